package forum

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Sizes of the generated community.
const (
	numUsers    = 150
	numPosts    = 320
	numComments = 1650
)

// epoch is when the generated history starts; now is the forum's clock
// ("today"), used for hot ranking and advanced by one minute per write.
var (
	epoch = time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)
	now   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

// tagInfo maps each tag to the technology name used in generated text.
var tagInfo = []struct{ tag, tech string }{
	{"go", "Go"}, {"python", "Python"}, {"rust", "Rust"}, {"javascript", "JavaScript"}, {"typescript", "TypeScript"},
	{"sql", "SQL"}, {"postgres", "PostgreSQL"}, {"docker", "Docker"}, {"kubernetes", "Kubernetes"}, {"linux", "Linux"},
	{"security", "TLS"}, {"testing", "unit tests"}, {"performance", "profiling"}, {"git", "Git"}, {"ci", "GitHub Actions"},
	{"api-design", "REST APIs"}, {"frontend", "React"}, {"ml", "PyTorch"}, {"concurrency", "goroutines"}, {"cloud", "AWS"},
	{"career", "interviews"}, {"databases", "SQLite"}, {"networking", "DNS"}, {"devops", "Terraform"},
}

// Tags lists every tag, in a fixed order.
var Tags = func() []string {
	var t []string
	for _, ti := range tagInfo {
		t = append(t, ti.tag)
	}
	return t
}()

var (
	adjectives = []string{"quiet", "rusty", "lazy", "brave", "cosmic", "sleepy", "clever", "fuzzy", "agile", "stoic", "nimble", "curious", "witty", "salty", "mellow"}
	nouns      = []string{"otter", "gopher", "falcon", "badger", "kernel", "packet", "lambda", "pixel", "cactus", "walrus", "compiler", "socket", "panda", "raven", "mutex"}
	tasks      = []string{"parse a large JSON file", "stream rows from a database", "retry failed HTTP requests", "cache expensive computations",
		"structure a monorepo", "handle graceful shutdown", "write table-driven tests", "limit memory usage", "read environment config",
		"paginate an API", "profile a slow endpoint", "deploy without downtime", "rotate secrets", "debug a memory leak", "log structured events"}
	symptoms = []string{"so slow on startup", "using 4 GB of RAM", "randomly timing out", "failing only in CI", "leaking file descriptors",
		"deadlocking under load", "ignoring my config", "slower after the upgrade"}
	projects = []string{"a tiny key-value store", "a terminal dashboard", "a static site generator", "a rate limiter", "a log shipper",
		"a budget tracker", "a chess engine", "a feed reader"}
	openers = []string{"I've been stuck on this for two days.", "Long-time lurker, first post.", "This is probably a beginner question.",
		"We hit this in production last week.", "Asking for my team.", "Quick sanity check before I rewrite everything."}
	details = []string{"The service handles about 2k requests per second and the p99 latency jumps from 40 ms to 900 ms.",
		"It works on my laptop (macOS) but not in the container (Alpine).", "I already tried increasing the timeout, which only hides the problem.",
		"The docs mention a flag for this, but I can't find it in the current release.", "Memory grows by roughly 50 MB per hour until the pod is OOM-killed.",
		"A minimal reproduction is about 40 lines; happy to share it.", "The error message is just `context deadline exceeded`.",
		"Our CI runs on 2 cores, which might matter."}
	closers = []string{"Any pointers appreciated!", "What would you do?", "Thanks in advance.", "Is there a more idiomatic way?", "Am I missing something obvious?"}
	replies = []string{"Have you tried running it with the race detector? That found a similar bug for us.", "This is a known issue; the fix landed in the last minor release.",
		"I'd profile first. Guessing at performance problems rarely works.", "Check whether you're closing the response body; that leaks connections.",
		"+1, same problem here on the latest version.", "We solved this by moving the work to a background queue.",
		"Your buffer is unbounded; put a limit on it and apply backpressure.", "Can you share the full stack trace?", "Great write-up, thanks for sharing.",
		"I disagree: the simpler approach is easier to operate and fast enough.", "Set the timeout on the client, not per request.",
		"Try a smaller reproduction. Half the time you find the bug while writing it.", "This saved me hours, thank you!",
		"The docs are wrong here; look at the source instead.", "Batching the writes in one transaction gave us a 20x speedup."}
)

type user struct {
	ID        int
	Username  string
	Display   string
	Bio       string
	Role      string // member or moderator
	JoinedAt  time.Time
	Location  string
	Followers int
}

type post struct {
	ID      int
	Author  int
	Title   string
	Body    string
	Tags    []string
	Created time.Time
	Edited  bool
}

type comment struct {
	ID      int
	PostID  int
	Parent  int // 0 for a top-level comment
	Author  int
	Body    string
	Created time.Time
}

type voteKey struct {
	user   int
	onPost bool
	id     int
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// generate fills f with the deterministic community.
func (f *forum) generate() {
	r := rand.New(rand.NewPCG(7, 11))
	locs := []string{"Berlin", "Toronto", "Austin", "Bangalore", "Lagos", "São Paulo", "Melbourne", "Warsaw", "Seoul", "Remote"}
	for i := 1; i <= numUsers; i++ {
		name := fmt.Sprintf("%s_%s%d", adjectives[(i*7)%len(adjectives)], nouns[(i*11)%len(nouns)], i)
		role := "member"
		if i%25 == 1 {
			role = "moderator"
		}
		ti := pick(r, tagInfo)
		f.users[i] = &user{ID: i, Username: name, Display: strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "_", " "),
			Bio: fmt.Sprintf("Software engineer. Mostly %s and %s these days.", ti.tech, pick(r, tagInfo).tech), Role: role,
			JoinedAt: epoch.AddDate(-r.IntN(6), -r.IntN(12), -r.IntN(28)), Location: pick(r, locs), Followers: r.IntN(400)}
		f.byName[name] = i
	}
	step := now.Sub(epoch) / numPosts
	for i := 1; i <= numPosts; i++ {
		ti := pick(r, tagInfo)
		tags := []string{ti.tag}
		for range r.IntN(3) {
			if t := pick(r, tagInfo).tag; !contains(tags, t) {
				tags = append(tags, t)
			}
		}
		other := pick(r, tagInfo).tech
		var title string
		switch r.IntN(6) {
		case 0:
			title = fmt.Sprintf("How do I %s in %s?", pick(r, tasks), ti.tech)
		case 1:
			title = fmt.Sprintf("Why is %s %s?", ti.tech, pick(r, symptoms))
		case 2:
			title = fmt.Sprintf("Show: I built %s with %s", pick(r, projects), ti.tech)
		case 3:
			title = fmt.Sprintf("%s vs %s for %s?", ti.tech, other, strings.TrimSuffix(pick(r, tasks), "s"))
		case 4:
			title = fmt.Sprintf("Best practice to %s with %s", pick(r, tasks), ti.tech)
		default:
			title = fmt.Sprintf("TIL: %s is %s unless you %s", ti.tech, pick(r, symptoms), pick(r, tasks))
		}
		body := fmt.Sprintf("%s\n\nI'm trying to %s using %s. %s %s\n\n%s",
			pick(r, openers), pick(r, tasks), ti.tech, pick(r, details), pick(r, details), pick(r, closers))
		created := epoch.Add(step*time.Duration(i-1) + time.Duration(r.IntN(int(step/time.Minute)))*time.Minute)
		f.posts[i] = &post{ID: i, Author: 1 + r.IntN(numUsers), Title: title, Body: body, Tags: tags, Created: created}
	}
	for i := 1; i <= numComments; i++ {
		// Older posts and a few "hot" ones collect more comments.
		pid := 1 + int(float64(numPosts)*r.Float64()*r.Float64()+float64(r.IntN(numPosts))*0.5)%numPosts
		p := f.posts[pid]
		parent := 0
		if thread := f.thread[pid]; len(thread) > 0 && r.IntN(10) < 4 {
			parent = pick(r, thread)
		}
		created := p.Created.Add(time.Duration(5+r.IntN(60*24*7)) * time.Minute)
		if parent != 0 {
			created = f.comments[parent].Created.Add(time.Duration(2+r.IntN(600)) * time.Minute)
		}
		body := pick(r, replies)
		if r.IntN(3) == 0 {
			body += " " + pick(r, details)
		}
		f.comments[i] = &comment{ID: i, PostID: pid, Parent: parent, Author: 1 + r.IntN(numUsers), Body: body, Created: created}
		f.thread[pid] = append(f.thread[pid], i)
	}
	for pid := 1; pid <= numPosts; pid++ {
		n := r.IntN(40)
		for range n {
			dir := 1
			if r.IntN(6) == 0 {
				dir = -1
			}
			f.setVote(voteKey{1 + r.IntN(numUsers), true, pid}, dir)
		}
	}
	for cid := 1; cid <= numComments; cid++ {
		for range r.IntN(8) {
			dir := 1
			if r.IntN(5) == 0 {
				dir = -1
			}
			f.setVote(voteKey{1 + r.IntN(numUsers), false, cid}, dir)
		}
	}
	f.nextPost, f.nextComment = numPosts+1, numComments+1
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
