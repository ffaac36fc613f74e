package tasks

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

type paperRef struct {
	ID        string
	Title     string
	Authors   []string
	Venue     string
	Year      int
	Citations int
}

const (
	sqlRegionAOV = `SELECT g.name AS region, COUNT(*) AS delivered_orders, AVG(o.total) AS avg_order_value
FROM orders o JOIN stores s ON s.store_id = o.store_id JOIN regions g ON g.region_id = s.region_id
WHERE o.status = 'delivered' AND o.ordered_on BETWEEN '2024-01-01' AND '2024-12-31'
GROUP BY g.name ORDER BY avg_order_value DESC`
	sqlLowStock = `SELECT p.name, i.quantity, i.reorder_level, i.reorder_level - i.quantity AS shortfall
FROM inventory i JOIN stores s ON s.store_id = i.store_id JOIN products p ON p.product_id = i.product_id
WHERE s.city = ? AND i.quantity < i.reorder_level ORDER BY shortfall DESC`
	sqlTopCustomers = `SELECT c.first_name || ' ' || c.last_name AS name, c.loyalty_tier AS tier, SUM(o.total) AS spend
FROM orders o JOIN customers c ON c.customer_id = o.customer_id
WHERE o.status = 'delivered' AND o.ordered_on BETWEEN '2024-01-01' AND '2024-12-31'
GROUP BY c.customer_id ORDER BY spend DESC LIMIT 5`
)

func sqlJS(s string) string { b, _ := json.Marshal(s); return string(b) }

func init() {
	add(Task{
		ID: "papers-database-venue-impact", Category: Single, Servers: []string{"papers"},
		Request: "Among the database venues, which one's papers from 2018 onward are cited the most on average? Give the mean citations and h-index of each venue over that period.",
		Plan: []Round{
			calls(call("papers.list_venues", args{"topic": "databases"})),
			next(func(prev [][]json.RawMessage) []Call {
				var cs []Call
				for _, v := range dec[struct{ Venues []struct{ Short string } }](prev[0][0]).Venues {
					cs = append(cs, call("papers.citation_stats", args{"venue": v.Short, "year_from": 2018}))
				}
				return cs
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			vs := dec[struct{ Venues []struct{ Short string } }](r[0][0]).Venues
			var rows []obj
			for i, raw := range r[1] {
				s := dec[struct {
					Mean   float64
					HIndex int `json:"h_index"`
				}](raw)
				rows = append(rows, obj{"venue": vs[i].Short, "mean_citations": s.Mean, "h_index": s.HIndex})
			}
			sort.SliceStable(rows, func(i, j int) bool { return rows[i]["mean_citations"].(float64) > rows[j]["mean_citations"].(float64) })
			return out(obj{"top_venue": rows[0]["venue"], "venues": rows})
		},
		Program: `const { venues } = await tools.papers.list_venues({ topic: "databases" });
const stats = await Promise.all(venues.map(v => tools.papers.citation_stats({ venue: v.short, year_from: 2018 })));
const rows = venues.map((v, i) => ({ venue: v.short, mean_citations: stats[i].mean, h_index: stats[i].h_index }))
  .sort((a, b) => b.mean_citations - a.mean_citations);
return { top_venue: rows[0].venue, venues: rows };`,
		Check: expect(func() (map[string]any, error) {
			vs, err := ask[struct{ Venues []struct{ Short string } }]("papers", "list_venues", args{"topic": "databases"})
			if err != nil {
				return nil, err
			}
			var rows []obj
			for _, v := range vs.Venues {
				ps, err := ask[struct{ Results []paperRef }]("papers", "search_papers", args{"venue": v.Short, "year_from": 2018, "limit": 100})
				if err != nil {
					return nil, err
				}
				var cs []int
				var fs []float64
				for _, p := range ps.Results {
					cs = append(cs, p.Citations)
					fs = append(fs, float64(p.Citations))
				}
				// citation_stats reports the mean to 2 decimals.
				rows = append(rows, obj{"venue": v.Short, "mean_citations": approx{mean(fs), 0.0051}, "h_index": hIndex(cs)})
			}
			sort.SliceStable(rows, func(i, j int) bool {
				return rows[i]["mean_citations"].(approx).V > rows[j]["mean_citations"].(approx).V
			})
			return obj{"top_venue": rows[0]["venue"], "venues": rows}, nil
		}),
	}, Task{
		ID: "papers-top-nlp-author", Category: Single, Servers: []string{"papers"},
		Request: "Who is the most cited researcher working mainly on natural language processing, where are they based, and what are their three most cited papers (with citation counts)?",
		Plan: []Round{
			calls(call("papers.search_authors", args{"topic": "natural language processing", "limit": 1})),
			next(func(prev [][]json.RawMessage) []Call {
				a := dec[struct{ Authors []struct{ ID string } }](prev[0][0]).Authors
				if len(a) == 0 {
					return nil
				}
				return []Call{call("papers.author_papers", args{"author_id": a[0].ID, "sort": "citations", "limit": 3})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			a := dec[struct {
				Authors []struct{ Name, Affiliation string }
			}](r[0][0]).Authors
			ps := dec[struct{ Papers []paperRef }](r[1][0]).Papers
			var top []obj
			for _, p := range ps {
				top = append(top, obj{"title": p.Title, "citations": p.Citations})
			}
			return out(obj{"author": a[0].Name, "affiliation": a[0].Affiliation, "top_papers": top})
		},
		Program: `const { authors } = await tools.papers.search_authors({ topic: "natural language processing", limit: 1 });
const a = authors[0];
const { papers } = await tools.papers.author_papers({ author_id: a.id, sort: "citations", limit: 3 });
return { author: a.name, affiliation: a.affiliation, top_papers: papers.map(p => ({ title: p.title, citations: p.citations })) };`,
		Check: expectOneOf(func() ([]map[string]any, error) {
			all, err := ask[struct {
				Authors []struct {
					ID, Name, Affiliation string
					CitationCount         int `json:"citation_count"`
				}
			}]("papers", "search_authors", args{"topic": "natural language processing", "limit": 100})
			if err != nil {
				return nil, err
			}
			best := -1
			for _, a := range all.Authors {
				best = max(best, a.CitationCount)
			}
			var alts []map[string]any
			for _, a := range all.Authors {
				if a.CitationCount != best {
					continue
				}
				ps, err := ask[struct{ Papers []paperRef }]("papers", "author_papers", args{"author_id": a.ID, "limit": 100})
				if err != nil {
					return nil, err
				}
				var cs []int
				for _, p := range ps.Papers {
					cs = append(cs, p.Citations)
				}
				sort.Sort(sort.Reverse(sort.IntSlice(cs)))
				var top []obj
				for _, c := range cs[:min(3, len(cs))] {
					top = append(top, obj{"citations": c})
				}
				alts = append(alts, obj{"author": a.Name, "affiliation": a.Affiliation, "top_papers": top})
			}
			return alts, nil
		}),
	})
}

func init() {
	add(Task{
		ID: "papers-gnn-citing-paper", Category: Single, Servers: []string{"papers"},
		Request: "Take the most cited paper about graph neural networks. Of the papers that cite it, which is itself the most cited, who wrote it, and how many citations does it have?",
		Plan: []Round{
			calls(call("papers.search_papers", args{"query": "graph neural networks", "sort": "citations", "limit": 1})),
			next(func(prev [][]json.RawMessage) []Call {
				rs := dec[struct{ Results []paperRef }](prev[0][0]).Results
				if len(rs) == 0 {
					return nil
				}
				return []Call{call("papers.get_citations", args{"paper_id": rs[0].ID, "limit": 1})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			p := dec[struct{ Results []paperRef }](r[0][0]).Results[0]
			c := dec[struct{ Papers []paperRef }](r[1][0]).Papers
			if len(c) == 0 {
				return out(obj{"paper_id": p.ID, "citing_id": nil})
			}
			return out(obj{"paper_id": p.ID, "paper_title": p.Title, "citing_id": c[0].ID, "citing_title": c[0].Title, "citing_authors": c[0].Authors, "citing_citations": c[0].Citations})
		},
		Program: `const { results } = await tools.papers.search_papers({ query: "graph neural networks", sort: "citations", limit: 1 });
const p = results[0];
const { papers } = await tools.papers.get_citations({ paper_id: p.id, limit: 1 });
const c = papers[0];
return { paper_id: p.id, paper_title: p.title, citing_id: c.id, citing_title: c.title, citing_authors: c.authors, citing_citations: c.citations };`,
		Check: expectOneOf(func() ([]map[string]any, error) {
			rs, err := ask[struct{ Results []paperRef }]("papers", "search_papers", args{"query": "graph neural networks", "limit": 100})
			if err != nil {
				return nil, err
			}
			best := -1
			for _, p := range rs.Results {
				best = max(best, p.Citations)
			}
			var alts []map[string]any
			for _, p := range rs.Results {
				if p.Citations != best {
					continue
				}
				cs, err := ask[struct{ Papers []paperRef }]("papers", "get_citations", args{"paper_id": p.ID, "limit": 200})
				if err != nil {
					return nil, err
				}
				top := -1
				for _, c := range cs.Papers {
					top = max(top, c.Citations)
				}
				var ids []string
				for _, c := range cs.Papers {
					if c.Citations == top {
						ids = append(ids, c.ID)
					}
				}
				alts = append(alts, obj{"paper_id": p.ID, "citing_id": anyOfStrings(ids), "citing_citations": top})
			}
			return alts, nil
		}),
	}, Task{
		ID: "db-region-order-value", Category: Single, Servers: []string{"database"},
		Request: "Which sales region had the highest average order value on delivered orders in 2024 (by the store that fulfilled them), and how many delivered orders was that?",
		Plan:    []Round{calls(call("database.run_query", args{"sql": sqlRegionAOV}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := dec[struct{ Rows []map[string]any }](r[0][0]).Rows
			if len(rows) == 0 {
				return out(obj{})
			}
			return out(obj{"region": rows[0]["region"], "avg_order_value": rows[0]["avg_order_value"], "delivered_orders": rows[0]["delivered_orders"]})
		},
		Program: `const r = await tools.database.run_query({ sql: ` + sqlJS(sqlRegionAOV) + ` });
const top = r.rows[0];
return { region: top.region, avg_order_value: top.avg_order_value, delivered_orders: top.delivered_orders };`,
		Check: expect(func() (map[string]any, error) {
			stores, err := sqlRows(`SELECT s.store_id, r.name FROM stores s, regions r WHERE r.region_id = s.region_id`)
			if err != nil {
				return nil, err
			}
			region := map[float64]string{}
			for _, s := range stores {
				region[s["store_id"].(float64)] = s["name"].(string)
			}
			orders, err := sqlRows(`SELECT store_id, total FROM orders WHERE status = ? AND substr(ordered_on, 1, 4) = ?`, "delivered", "2024")
			if err != nil {
				return nil, err
			}
			tot, n := map[string]float64{}, map[string]int{}
			for _, o := range orders {
				g := region[o["store_id"].(float64)]
				tot[g] += o["total"].(float64)
				n[g]++
			}
			best := ""
			for g := range tot {
				if best == "" || tot[g]/float64(n[g]) > tot[best]/float64(n[best]) {
					best = g
				}
			}
			return obj{"region": best, "avg_order_value": tot[best] / float64(n[best]), "delivered_orders": n[best]}, nil
		}),
	}, Task{
		ID: "db-chicago-low-stock", Category: Single, Servers: []string{"database"},
		Request: "At our Chicago store, which products are below their reorder level, and how many units short are we in total?",
		Plan:    []Round{calls(call("database.run_query", args{"sql": sqlLowStock, "params": []any{"Chicago"}, "limit": 500}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := dec[struct{ Rows []map[string]any }](r[0][0]).Rows
			names, short := []any{}, 0.0
			for _, x := range rows {
				names = append(names, x["name"])
				short += x["shortfall"].(float64)
			}
			return out(obj{"products": names, "total_shortfall": short})
		},
		Program: `const r = await tools.database.run_query({ sql: ` + sqlJS(sqlLowStock) + `, params: ["Chicago"], limit: 500 });
return { products: r.rows.map(x => x.name), total_shortfall: r.rows.reduce((s, x) => s + x.shortfall, 0) };`,
		Check: expect(func() (map[string]any, error) {
			inv, err := sqlRows(`SELECT product_id, quantity, reorder_level FROM inventory WHERE store_id IN (SELECT store_id FROM stores WHERE city = ?)`, "Chicago")
			if err != nil {
				return nil, err
			}
			prods, err := sqlRows(`SELECT product_id, name FROM products`)
			if err != nil {
				return nil, err
			}
			name := map[float64]any{}
			for _, p := range prods {
				name[p["product_id"].(float64)] = p["name"]
			}
			set, short := setOf{}, 0.0
			for _, i := range inv {
				q, l := i["quantity"].(float64), i["reorder_level"].(float64)
				if q < l {
					set = append(set, name[i["product_id"].(float64)])
					short += l - q
				}
			}
			return obj{"products": set, "total_shortfall": short}, nil
		}),
	}, Task{
		ID: "db-top-customers-2024", Category: Single, Servers: []string{"database"},
		Request: "Who were our five biggest customers in 2024 by spending on delivered orders? Give their names, loyalty tiers and totals.",
		Plan:    []Round{calls(call("database.run_query", args{"sql": sqlTopCustomers}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			return out(obj{"customers": dec[struct{ Rows []map[string]any }](r[0][0]).Rows})
		},
		Program: `const r = await tools.database.run_query({ sql: ` + sqlJS(sqlTopCustomers) + ` });
return { customers: r.rows.map(x => ({ name: x.name, tier: x.tier, spend: x.spend })) };`,
		Check: expect(func() (map[string]any, error) {
			orders, err := sqlRows(`SELECT customer_id, total FROM orders WHERE status = 'delivered' AND ordered_on >= '2024-01-01' AND ordered_on < '2025-01-01'`)
			if err != nil {
				return nil, err
			}
			spend := map[float64]float64{}
			for _, o := range orders {
				spend[o["customer_id"].(float64)] += o["total"].(float64)
			}
			ids := make([]float64, 0, len(spend))
			for id := range spend {
				ids = append(ids, id)
			}
			sort.Slice(ids, func(i, j int) bool { return spend[ids[i]] > spend[ids[j]] })
			var top []obj
			for _, id := range ids[:5] {
				c, err := sqlRows(`SELECT first_name, last_name, loyalty_tier FROM customers WHERE customer_id = ?`, id)
				if err != nil || len(c) != 1 {
					return nil, fmt.Errorf("customer %v: %v", id, err)
				}
				top = append(top, obj{"name": c[0]["first_name"].(string) + " " + c[0]["last_name"].(string), "tier": c[0]["loyalty_tier"], "spend": spend[id]})
			}
			return obj{"customers": top}, nil
		}),
	}, Task{
		ID: "docs-regional-sales-growth", Category: Single, Servers: []string{"documents"},
		Request: "From the sales files on the shared drive, what was 2024 revenue by region, and which region grew the most compared with 2023 (in percent)?",
		Plan: []Round{calls(
			call("documents.csv_query", args{"path": "data/sales-2024.csv", "group_by": []string{"region"}, "aggregates": []any{args{"fn": "sum", "column": "revenue", "as": "revenue"}}}),
			call("documents.csv_query", args{"path": "data/sales-2023.csv", "group_by": []string{"region"}, "aggregates": []any{args{"fn": "sum", "column": "revenue", "as": "revenue"}}}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			by := func(raw json.RawMessage) map[string]float64 {
				m := map[string]float64{}
				for _, row := range dec[struct{ Rows []map[string]any }](raw).Rows {
					m[fmt.Sprint(row["region"])], _ = row["revenue"].(float64)
				}
				return m
			}
			return out(regionGrowth(by(r[0][0]), by(r[0][1])))
		},
		Program: `const q = (path: string) => tools.documents.csv_query({ path, group_by: ["region"], aggregates: [{ fn: "sum", column: "revenue", as: "revenue" }] });
const [y24, y23] = await Promise.all([q("data/sales-2024.csv"), q("data/sales-2023.csv")]);
const revenue_2024: Record<string, number> = {};
for (const r of y24.rows) revenue_2024[r.region] = r.revenue;
let best = "", growth = -Infinity;
for (const r of y23.rows) {
  const g = (revenue_2024[r.region] / r.revenue - 1) * 100;
  if (g > growth) { growth = g; best = r.region; }
}
return { revenue_2024, fastest_growing: best, growth_pct: growth };`,
		Check: expect(func() (map[string]any, error) {
			by := func(path string) (map[string]float64, error) {
				rows, err := readCSV(path)
				m := map[string]float64{}
				for _, r := range rows {
					m[r["region"]] += num(r["revenue"])
				}
				return m, err
			}
			a, err := by("data/sales-2024.csv")
			if err != nil {
				return nil, err
			}
			b, err := by("data/sales-2023.csv")
			if err != nil {
				return nil, err
			}
			return regionGrowth(a, b), nil
		}),
	}, Task{
		ID: "docs-urgent-ticket-response", Category: Single, Servers: []string{"documents"},
		Request: "Looking only at high and urgent priority support tickets, what is the average first-response time per ticket category, and which category is slowest?",
		Plan: []Round{calls(call("documents.csv_query", args{"path": "data/support-tickets.csv",
			"where":      []any{args{"column": "priority", "op": "ne", "value": "normal"}, args{"column": "priority", "op": "ne", "value": "low"}},
			"group_by":   []string{"category"},
			"aggregates": []any{args{"fn": "avg", "column": "first_response_hours", "as": "avg_hours"}},
			"order_by":   "avg_hours", "descending": true}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			rows := dec[struct{ Rows []map[string]any }](r[0][0]).Rows
			m := obj{}
			for _, x := range rows {
				m[fmt.Sprint(x["category"])] = x["avg_hours"]
			}
			if len(rows) == 0 {
				return out(obj{})
			}
			return out(obj{"avg_first_response_hours": m, "slowest": rows[0]["category"]})
		},
		Program: `const r = await tools.documents.csv_query({
  path: "data/support-tickets.csv",
  where: [{ column: "priority", op: "ne", value: "normal" }, { column: "priority", op: "ne", value: "low" }],
  group_by: ["category"],
  aggregates: [{ fn: "avg", column: "first_response_hours", as: "avg_hours" }],
  order_by: "avg_hours", descending: true,
});
const avg: Record<string, number> = {};
for (const x of r.rows) avg[x.category] = x.avg_hours;
return { avg_first_response_hours: avg, slowest: r.rows[0].category };`,
		Check: expect(func() (map[string]any, error) {
			rows, err := readCSV("data/support-tickets.csv")
			if err != nil {
				return nil, err
			}
			vals := map[string][]float64{}
			for _, r := range rows {
				if (r["priority"] == "high" || r["priority"] == "urgent") && strings.TrimSpace(r["first_response_hours"]) != "" {
					vals[r["category"]] = append(vals[r["category"]], num(r["first_response_hours"]))
				}
			}
			m, slow := obj{}, ""
			for c, v := range vals {
				// csv_query reports averages to 6 decimals.
				m[c] = approx{mean(v), 1e-6}
				if slow == "" || mean(v) > mean(vals[slow]) {
					slow = c
				}
			}
			return obj{"avg_first_response_hours": m, "slowest": slow}, nil
		}),
	}, Task{
		ID: "docs-partial-rollout-owners", Category: Single, Servers: []string{"documents"},
		Request: "Which feature flags are switched on but not yet rolled out to everyone, what's their rollout percentage, and which team does each flag's owner belong to?",
		Plan: []Round{calls(
			call("documents.json_query", args{"path": "config/feature-flags.json", "query": "flags[?enabled==true]"}),
			call("documents.json_query", args{"path": "config/teams.json", "query": "teams[*]"}),
		)},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			var flags []flagRow
			for _, m := range dec[struct{ Matches []struct{ Value flagRow } }](r[0][0]).Matches {
				flags = append(flags, m.Value)
			}
			var teams []teamRow
			for _, m := range dec[struct{ Matches []struct{ Value teamRow } }](r[0][1]).Matches {
				teams = append(teams, m.Value)
			}
			return out(partialRollouts(flags, teams))
		},
		Program: `const [f, t] = await Promise.all([
  tools.documents.json_query({ path: "config/feature-flags.json", query: "flags[?enabled==true]" }),
  tools.documents.json_query({ path: "config/teams.json", query: "teams[*]" }),
]);
const teamOf = (owner: string) => {
  const name = owner.split(".").map(w => w[0].toUpperCase() + w.slice(1)).join(" ");
  const team = t.matches.map(m => m.value).find(x => x.lead === name || x.members.includes(name));
  return team ? team.name : null;
};
const flags = f.matches.map(m => m.value).filter(x => x.rollout_percent < 100)
  .map(x => ({ flag: x.name, rollout_percent: x.rollout_percent, owner: x.owner, team: teamOf(x.owner) }));
return { flags };`,
		Check: expect(func() (map[string]any, error) {
			ft, err := readFile("config/feature-flags.json")
			if err != nil {
				return nil, err
			}
			tt, err := readFile("config/teams.json")
			if err != nil {
				return nil, err
			}
			var f struct{ Flags []flagRow }
			var t struct{ Teams []teamRow }
			if err := json.Unmarshal([]byte(ft), &f); err != nil {
				return nil, err
			}
			if err := json.Unmarshal([]byte(tt), &t); err != nil {
				return nil, err
			}
			var on []flagRow
			for _, x := range f.Flags {
				if x.Enabled {
					on = append(on, x)
				}
			}
			return partialRollouts(on, t.Teams), nil
		}),
	}, Task{
		ID: "forum-tag-engagement-h2", Category: Single, Servers: []string{"forum"},
		Request: "Since 2024-07-01, which forum tag gets the most comments per post on average, and what is that average?",
		Plan:    []Round{calls(call("forum.top_tags", args{"since": "2024-07-01", "limit": 50}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			tags := dec[struct {
				Tags []struct {
					Tag             string
					Posts, Comments int
				}
			}](r[0][0]).Tags
			best, avg := "", -1.0
			for _, t := range tags {
				if a := float64(t.Comments) / float64(t.Posts); t.Posts > 0 && a > avg {
					best, avg = t.Tag, a
				}
			}
			return out(obj{"tag": best, "comments_per_post": avg})
		},
		Program: `const { tags } = await tools.forum.top_tags({ since: "2024-07-01", limit: 50 });
let best = tags[0];
for (const t of tags) if (t.comments / t.posts > best.comments / best.posts) best = t;
return { tag: best.tag, comments_per_post: best.comments / best.posts };`,
		Check: expect(func() (map[string]any, error) {
			ps, err := allPosts()
			if err != nil {
				return nil, err
			}
			posts, comments := map[string]int{}, map[string]int{}
			for _, p := range ps {
				if p.CreatedAt < "2024-07-01" {
					continue
				}
				for _, t := range p.Tags {
					posts[t]++
					comments[t] += p.CommentCount
				}
			}
			best := -1.0
			var tags []string
			for t, n := range posts {
				a := float64(comments[t]) / float64(n)
				if a > best+1e-12 {
					best, tags = a, []string{t}
				} else if a > best-1e-12 {
					tags = append(tags, t)
				}
			}
			return obj{"tag": anyOfStrings(tags), "comments_per_post": best}, nil
		}),
	}, Task{
		ID: "forum-top-kubernetes-author", Category: Single, Servers: []string{"forum"},
		Request: "Who wrote the highest-scored post tagged kubernetes, what's the post called, and what are the author's karma and role on the forum?",
		Plan: []Round{
			calls(call("forum.list_posts", args{"tag": "kubernetes", "sort": "top", "page_size": 1})),
			next(func(prev [][]json.RawMessage) []Call {
				ps := dec[struct{ Posts []forumPost }](prev[0][0]).Posts
				if len(ps) == 0 {
					return nil
				}
				return []Call{call("forum.get_user", args{"username": ps[0].Author})}
			}),
		},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			p := dec[struct{ Posts []forumPost }](r[0][0]).Posts[0]
			u := dec[struct {
				Karma int
				Role  string
			}](r[1][0])
			return out(obj{"post_id": p.ID, "title": p.Title, "author": p.Author, "karma": u.Karma, "role": u.Role})
		},
		Program: `const { posts } = await tools.forum.list_posts({ tag: "kubernetes", sort: "top", page_size: 1 });
const p = posts[0];
const u = await tools.forum.get_user({ username: p.author });
return { post_id: p.id, title: p.title, author: p.author, karma: u.karma, role: u.role };`,
		Check: expectOneOf(func() ([]map[string]any, error) {
			ps, err := allPosts()
			if err != nil {
				return nil, err
			}
			best := -1 << 31
			for _, p := range ps {
				if hasTag(p, "kubernetes") {
					best = max(best, p.Score)
				}
			}
			var alts []map[string]any
			for _, p := range ps {
				if !hasTag(p, "kubernetes") || p.Score != best {
					continue
				}
				u, err := ask[struct {
					Karma int
					Role  string
				}]("forum", "get_user", args{"username": p.Author})
				if err != nil {
					return nil, err
				}
				alts = append(alts, obj{"post_id": p.ID, "title": p.Title, "author": p.Author, "karma": u.Karma, "role": u.Role})
			}
			return alts, nil
		}),
	}, Task{
		ID: "forum-unanswered-python", Category: Single, Servers: []string{"forum"},
		Request: "Which posts tagged python have no comments at all? List their ids newest first, and tell me how many there are.",
		Plan:    []Round{calls(call("forum.list_posts", args{"tag": "python", "sort": "new", "page_size": 50}))},
		Answer: func(r [][]json.RawMessage) json.RawMessage {
			ids := []int{}
			for _, p := range dec[struct{ Posts []forumPost }](r[0][0]).Posts {
				if p.CommentCount == 0 {
					ids = append(ids, p.ID)
				}
			}
			return out(obj{"count": len(ids), "post_ids": ids})
		},
		Program: `const { posts } = await tools.forum.list_posts({ tag: "python", sort: "new", page_size: 50 });
const ids = posts.filter(p => p.comment_count === 0).map(p => p.id);
return { count: ids.length, post_ids: ids };`,
		Check: expect(func() (map[string]any, error) {
			ps, err := allPosts()
			if err != nil {
				return nil, err
			}
			var un []forumPost
			for _, p := range ps {
				if hasTag(p, "python") && p.CommentCount == 0 {
					un = append(un, p)
				}
			}
			sort.SliceStable(un, func(i, j int) bool { return un[i].CreatedAt > un[j].CreatedAt })
			ids := []int{}
			for _, p := range un {
				ids = append(ids, p.ID)
			}
			return obj{"count": len(ids), "post_ids": ids}, nil
		}),
	})
}

type flagRow struct {
	Name           string `json:"name"`
	Enabled        bool   `json:"enabled"`
	RolloutPercent int    `json:"rollout_percent"`
	Owner          string `json:"owner"`
}

type teamRow struct {
	Name    string   `json:"name"`
	Lead    string   `json:"lead"`
	Members []string `json:"members"`
}

// partialRollouts joins enabled flags under 100% with their owner's team;
// owners are written first.last, team members First Last.
func partialRollouts(enabled []flagRow, teams []teamRow) map[string]any {
	teamOf := func(owner string) any {
		parts := strings.Split(owner, ".")
		for i, p := range parts {
			if p != "" {
				parts[i] = strings.ToUpper(p[:1]) + p[1:]
			}
		}
		name := strings.Join(parts, " ")
		for _, t := range teams {
			if t.Lead == name {
				return t.Name
			}
			for _, m := range t.Members {
				if m == name {
					return t.Name
				}
			}
		}
		return nil
	}
	flags := []obj{}
	for _, f := range enabled {
		if f.RolloutPercent < 100 {
			flags = append(flags, obj{"flag": f.Name, "rollout_percent": f.RolloutPercent, "owner": f.Owner, "team": teamOf(f.Owner)})
		}
	}
	return obj{"flags": flags}
}

func regionGrowth(y24, y23 map[string]float64) map[string]any {
	best, growth := "", -1e18
	regions := make([]string, 0, len(y23))
	for g := range y23 {
		regions = append(regions, g)
	}
	sort.Strings(regions)
	rev := obj{}
	for g, v := range y24 {
		rev[g] = v
	}
	for _, g := range regions {
		if gr := (y24[g]/y23[g] - 1) * 100; gr > growth {
			best, growth = g, gr
		}
	}
	return obj{"revenue_2024": rev, "fastest_growing": best, "growth_pct": growth}
}
