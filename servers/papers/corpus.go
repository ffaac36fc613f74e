package papers

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Corpus sizes and the corpus's "today", used for deadline windows.
const (
	numPapers  = 620
	numAuthors = 340
	firstYear  = 2012
	lastYear   = 2024
)

// Today is the corpus's current date.
var Today = time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)

type venue struct {
	Short, Full, Topic, City string
	Month                    int // month of the conference
}

type topic struct {
	Name     string
	Methods  []string
	Tasks    []string
	Keywords []string
}

var topics = []topic{
	{"machine learning", []string{"Contrastive Pretraining", "Sparse Mixture-of-Experts", "Diffusion Models", "Meta-Learning", "Bayesian Optimization", "Graph Neural Networks"},
		[]string{"Few-Shot Classification", "Hyperparameter Tuning", "Out-of-Distribution Detection", "Continual Learning", "Tabular Prediction"}, []string{"generalization", "optimization", "representation learning", "uncertainty"}},
	{"natural language processing", []string{"Retrieval-Augmented Generation", "Instruction Tuning", "Chain-of-Thought Prompting", "Parameter-Efficient Fine-Tuning", "Tokenizer-Free Models"},
		[]string{"Open-Domain Question Answering", "Machine Translation", "Summarization", "Code Generation", "Fact Verification"}, []string{"language models", "benchmarks", "multilingual", "reasoning"}},
	{"computer vision", []string{"Vision Transformers", "Neural Radiance Fields", "Self-Supervised Pretraining", "Masked Autoencoders", "Test-Time Adaptation"},
		[]string{"Object Detection", "Semantic Segmentation", "3D Reconstruction", "Video Understanding", "Image Retrieval"}, []string{"images", "video", "3D", "robustness"}},
	{"databases", []string{"Learned Indexes", "Adaptive Query Processing", "Vectorized Execution", "Cardinality Estimation with Deep Learning", "Deterministic Transactions"},
		[]string{"Join Ordering", "Query Optimization", "Data Cleaning", "Approximate Query Answering", "Vector Search"}, []string{"SQL", "query processing", "storage", "transactions"}},
	{"systems", []string{"Kernel Bypass", "Disaggregated Memory", "Serverless Scheduling", "Persistent Memory", "eBPF"},
		[]string{"Tail Latency Reduction", "Cluster Scheduling", "Fault Tolerance", "Storage Systems", "Container Isolation"}, []string{"operating systems", "distributed systems", "performance", "cloud"}},
	{"security", []string{"Fuzzing", "Symbolic Execution", "Differential Privacy", "Memory Tagging", "Sandboxing"},
		[]string{"Vulnerability Discovery", "Side-Channel Mitigation", "Malware Detection", "Supply-Chain Security", "Prompt Injection Defense"}, []string{"attacks", "defenses", "privacy", "sandbox"}},
	{"programming languages", []string{"Gradual Typing", "Program Synthesis", "Incremental Computation", "Ownership Types", "Abstract Interpretation"},
		[]string{"Static Analysis", "Compiler Optimization", "Verified Compilation", "Type Inference", "Program Repair"}, []string{"types", "compilers", "verification", "semantics"}},
	{"software engineering", []string{"Large Language Models", "Mutation Testing", "Property-Based Testing", "Code Review Mining", "Flaky Test Detection"},
		[]string{"Automated Program Repair", "Test Generation", "Code Search", "Technical Debt Analysis", "API Misuse Detection"}, []string{"testing", "maintenance", "empirical study", "tools"}},
	{"data mining", []string{"Graph Embeddings", "Temporal Point Processes", "Federated Learning", "Causal Inference", "Session-Based Models"},
		[]string{"Recommendation", "Anomaly Detection", "Click-Through Rate Prediction", "Community Detection", "Time-Series Forecasting"}, []string{"graphs", "recommendation", "web", "time series"}},
	{"networking", []string{"Programmable Switches", "Congestion Control Learning", "QUIC", "Network Verification", "In-Network Aggregation"},
		[]string{"Datacenter Congestion", "Video Streaming", "Load Balancing", "Traffic Engineering", "Packet Scheduling"}, []string{"datacenter", "protocols", "SDN", "measurement"}},
}

var venues = []venue{
	{"NeurIPS", "Conference on Neural Information Processing Systems", "machine learning", "Vancouver", 12},
	{"ICML", "International Conference on Machine Learning", "machine learning", "Vienna", 7},
	{"ICLR", "International Conference on Learning Representations", "machine learning", "Singapore", 4},
	{"ACL", "Annual Meeting of the Association for Computational Linguistics", "natural language processing", "Bangkok", 8},
	{"EMNLP", "Conference on Empirical Methods in Natural Language Processing", "natural language processing", "Miami", 11},
	{"CVPR", "Conference on Computer Vision and Pattern Recognition", "computer vision", "Seattle", 6},
	{"ICCV", "International Conference on Computer Vision", "computer vision", "Honolulu", 10},
	{"SIGMOD", "ACM SIGMOD International Conference on Management of Data", "databases", "Berlin", 6},
	{"VLDB", "International Conference on Very Large Data Bases", "databases", "London", 9},
	{"OSDI", "USENIX Symposium on Operating Systems Design and Implementation", "systems", "Santa Clara", 7},
	{"SOSP", "ACM Symposium on Operating Systems Principles", "systems", "Seoul", 10},
	{"CCS", "ACM Conference on Computer and Communications Security", "security", "Taipei", 10},
	{"USENIX Security", "USENIX Security Symposium", "security", "Seattle", 8},
	{"PLDI", "ACM SIGPLAN Conference on Programming Language Design and Implementation", "programming languages", "Copenhagen", 6},
	{"POPL", "ACM SIGPLAN Symposium on Principles of Programming Languages", "programming languages", "Denver", 1},
	{"ICSE", "International Conference on Software Engineering", "software engineering", "Ottawa", 4},
	{"FSE", "ACM International Conference on the Foundations of Software Engineering", "software engineering", "Trondheim", 6},
	{"KDD", "ACM SIGKDD Conference on Knowledge Discovery and Data Mining", "data mining", "Toronto", 8},
	{"WWW", "The ACM Web Conference", "data mining", "Sydney", 4},
	{"SIGCOMM", "ACM SIGCOMM Conference", "networking", "Coimbra", 9},
	{"NSDI", "USENIX Symposium on Networked Systems Design and Implementation", "networking", "Philadelphia", 4},
}

var (
	givenNames = []string{"Aiko", "Amir", "Ana", "Arjun", "Beatriz", "Chen", "Daniel", "Elif", "Emma", "Fatima", "Felix", "Hana", "Ibrahim", "Isabel",
		"Jakob", "Jia", "Kwame", "Laura", "Lukas", "Maria", "Mei", "Mohammed", "Nadia", "Noah", "Olga", "Pablo", "Priya", "Rahul", "Sara",
		"Sofia", "Takeshi", "Tomás", "Wei", "Yusuf", "Zhang", "Zoe"}
	familyNames = []string{"Adeyemi", "Bauer", "Chen", "Dubois", "Fernández", "Gupta", "Hoffmann", "Ivanova", "Jensen", "Kim", "Kowalski", "Li",
		"Martin", "Nakamura", "Nguyen", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Schmidt", "Silva", "Singh", "Tanaka", "Wang", "Yilmaz", "Zhou"}
	affiliations = []string{"MIT", "Stanford University", "ETH Zurich", "University of Toronto", "Tsinghua University", "University of Cambridge",
		"Carnegie Mellon University", "EPFL", "University of Tokyo", "UC Berkeley", "TU Munich", "National University of Singapore",
		"University of Washington", "KAIST", "Max Planck Institute for Software Systems", "Google Research", "Microsoft Research", "Meta AI"}
	titleForms = []string{
		"%[1]s for %[2]s",
		"Scaling %[1]s to %[2]s",
		"Rethinking %[2]s with %[1]s",
		"Towards Robust %[2]s via %[1]s",
		"%[1]s: A Practical Approach to %[2]s",
		"On the Limits of %[1]s in %[2]s",
		"Efficient %[2]s Using %[1]s",
		"An Empirical Study of %[1]s for %[2]s",
	}
)

// Paper is one paper of the corpus.
type Paper struct {
	ID         string
	Title      string
	Abstract   string
	Authors    []string // author ids in byline order
	Venue      string
	Topic      string
	Year       int
	Keywords   []string
	References []string // ids of cited papers
	Citations  []string // ids of citing papers (computed)
	Pages      string
}

// Author is one researcher.
type Author struct {
	ID          string
	Name        string
	Affiliation string
	Topic       string
	Papers      []string
}

// CFP is a call for papers.
type CFP struct {
	Venue, Edition, Location string
	AbstractDeadline         string
	PaperDeadline            string
	Notification             string
	ConferenceStart          string
	ConferenceEnd            string
	Topics                   []string
	PageLimit                int
}

type corpus struct {
	papers  []*Paper
	byID    map[string]*Paper
	authors []*Author
	authorM map[string]*Author
	cfps    []CFP
}

func venueOf(short string) *venue {
	for i := range venues {
		if venues[i].Short == short {
			return &venues[i]
		}
	}
	return nil
}

func topicOf(name string) *topic {
	for i := range topics {
		if topics[i].Name == name {
			return &topics[i]
		}
	}
	return nil
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// build generates the deterministic corpus.
func build() *corpus {
	r := rand.New(rand.NewPCG(1729, 42))
	c := &corpus{byID: map[string]*Paper{}, authorM: map[string]*Author{}}
	byTopic := map[string][]*Author{}
	used := map[string]bool{}
	for i := 1; len(c.authors) < numAuthors; i++ {
		name := pick(r, givenNames) + " " + pick(r, familyNames)
		if used[name] {
			continue
		}
		used[name] = true
		a := &Author{ID: fmt.Sprintf("A%03d", len(c.authors)+1), Name: name, Affiliation: pick(r, affiliations), Topic: topics[len(c.authors)%len(topics)].Name}
		c.authors = append(c.authors, a)
		c.authorM[a.ID] = a
		byTopic[a.Topic] = append(byTopic[a.Topic], a)
	}
	// Papers are generated in year order so references point back in time.
	perYear := numPapers / (lastYear - firstYear + 1)
	for i := range numPapers {
		year := min(firstYear+i/perYear, lastYear)
		t := topics[r.IntN(len(topics))]
		var vs []string
		for _, v := range venues {
			if v.Topic == t.Name {
				vs = append(vs, v.Short)
			}
		}
		method, task := pick(r, t.Methods), pick(r, t.Tasks)
		p := &Paper{ID: fmt.Sprintf("P%04d", i+1), Venue: pick(r, vs), Topic: t.Name, Year: year,
			Title: fmt.Sprintf(pick(r, titleForms), method, task)}
		pool := byTopic[t.Name]
		n := 2 + r.IntN(5)
		for len(p.Authors) < n {
			a := pick(r, pool)
			if r.IntN(8) == 0 {
				a = pick(r, c.authors)
			}
			if !slices.Contains(p.Authors, a.ID) {
				p.Authors = append(p.Authors, a.ID)
				a.Papers = append(a.Papers, p.ID)
			}
		}
		gain := 5 + r.IntN(40)
		p.Abstract = fmt.Sprintf("%s remains a central challenge in %s. Existing approaches struggle when data is scarce or distribution shifts at deployment time. "+
			"We present a method based on %s that %s. Our key insight is that %s can be exploited without additional supervision. "+
			"Across %d benchmarks, our approach improves over the strongest baseline by %d%% on average while reducing cost by %.1fx. "+
			"We release code and data to support future work on %s.",
			task, t.Name, strings.ToLower(method), pick(r, []string{"scales to millions of examples", "adapts online", "comes with provable guarantees", "requires no manual tuning"}),
			pick(r, []string{"structural redundancy", "temporal locality", "cross-task similarity", "the sparsity of real workloads"}),
			3+r.IntN(10), gain, 1.5+float64(r.IntN(80))/10, strings.ToLower(task))
		p.Keywords = []string{strings.ToLower(method), strings.ToLower(task), pick(r, t.Keywords)}
		first := 1 + r.IntN(900)
		p.Pages = fmt.Sprintf("%d-%d", first, first+10+r.IntN(6))
		// References: earlier papers, mostly from the same topic, with a
		// preference for already well-cited ones.
		if len(c.papers) > 0 {
			want := min(len(c.papers), 4+r.IntN(14))
			for tries := 0; len(p.References) < want && tries < 200; tries++ {
				q := c.papers[r.IntN(len(c.papers))]
				if len(q.Citations) > 0 && r.IntN(3) == 0 {
					// Follow a citation back to one of the citer's references:
					// well-cited papers attract more citations.
					if citer := c.byID[pick(r, q.Citations)]; citer != nil {
						q = c.byID[pick(r, citer.References)]
					}
				}
				if q.Year >= year && q.Year == year && r.IntN(2) == 0 {
					continue
				}
				if q.Topic != t.Name && r.IntN(5) != 0 {
					continue
				}
				if !slices.Contains(p.References, q.ID) {
					p.References = append(p.References, q.ID)
					q.Citations = append(q.Citations, p.ID)
				}
			}
			slices.Sort(p.References)
		}
		c.papers = append(c.papers, p)
		c.byID[p.ID] = p
	}
	for _, p := range c.papers {
		slices.Sort(p.Citations)
	}
	// Calls for papers for the 2025 editions.
	for _, v := range venues {
		conf := time.Date(2025, time.Month(v.Month), 8+r.IntN(14), 0, 0, 0, 0, time.UTC)
		if v.Month == 1 {
			conf = conf.AddDate(1, 0, 0) // POPL 2026
		}
		deadline := conf.AddDate(0, -5-r.IntN(2), -r.IntN(10))
		t := topicOf(v.Topic)
		c.cfps = append(c.cfps, CFP{Venue: v.Short, Edition: fmt.Sprintf("%s %d", v.Short, conf.Year()), Location: v.City,
			AbstractDeadline: deadline.AddDate(0, 0, -7).Format(time.DateOnly), PaperDeadline: deadline.Format(time.DateOnly),
			Notification:    deadline.AddDate(0, 0, 70+r.IntN(20)).Format(time.DateOnly),
			ConferenceStart: conf.Format(time.DateOnly), ConferenceEnd: conf.AddDate(0, 0, 3+r.IntN(3)).Format(time.DateOnly),
			Topics: append([]string{v.Topic}, t.Keywords...), PageLimit: []int{9, 10, 12, 13}[r.IntN(4)]})
	}
	slices.SortFunc(c.cfps, func(a, b CFP) int { return strings.Compare(a.PaperDeadline+a.Venue, b.PaperDeadline+b.Venue) })
	return c
}
