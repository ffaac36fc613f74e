// Package forum is a bundled MCP server for a developer community forum:
// 150 users, 320 posts, 1,650 threaded comments, votes and 24 tags,
// generated deterministically. State lives in memory per server instance:
// posts, comments, votes and deletions persist for the process lifetime.
//
// It mirrors the community/social servers of MCP-Bench: paged listings with
// several sort orders, threads, search, user profiles and activity, tag
// statistics, and annotated write tools (additive, idempotent, destructive).
package forum

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Name is the server name users see.
const Name = "forum"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "Developer community forum (320 posts, 1,650 comments, votes, tags): browse, search, profiles, post, comment, vote, delete"

// New returns a server over a freshly generated forum.
func New() *mcp.Server {
	f := &forum{
		users: map[int]*user{}, byName: map[string]int{}, posts: map[int]*post{}, comments: map[int]*comment{},
		thread: map[int][]int{}, votes: map[voteKey]int{}, postScore: map[int]int{}, commentScore: map[int]int{},
	}
	f.generate()
	f.clock = now
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Dev forum", Version: "v1.0.0"}, &mcp.ServerOptions{
		Instructions: "A developer Q&A forum. Browse with list_posts, read threads with get_post, find people with get_user. Writes act as the given username.",
	})
	f.register(s)
	return s
}

type forum struct {
	mu           sync.Mutex
	users        map[int]*user
	byName       map[string]int
	posts        map[int]*post
	comments     map[int]*comment
	thread       map[int][]int // post id -> comment ids in creation order
	votes        map[voteKey]int
	postScore    map[int]int
	commentScore map[int]int
	nextPost     int
	nextComment  int
	clock        time.Time // advanced one minute per write
}

func (f *forum) setVote(k voteKey, dir int) (prev int) {
	prev = f.votes[k]
	if dir == 0 {
		delete(f.votes, k)
	} else {
		f.votes[k] = dir
	}
	if k.onPost {
		f.postScore[k.id] += dir - prev
	} else {
		f.commentScore[k.id] += dir - prev
	}
	return prev
}

func (f *forum) tick() time.Time {
	f.clock = f.clock.Add(time.Minute)
	return f.clock
}

// lookupUser resolves a username with a helpful error.
func (f *forum) lookupUser(name string) (*user, error) {
	if id, ok := f.byName[name]; ok {
		return f.users[id], nil
	}
	var near []string
	for i := 1; i <= numUsers && len(near) < 5; i++ {
		u := f.users[i]
		if name != "" && (strings.Contains(u.Username, name) || strings.Contains(name, strings.SplitN(u.Username, "_", 2)[0])) {
			near = append(near, u.Username)
		}
	}
	if len(near) == 0 {
		near = []string{f.users[1].Username, f.users[2].Username, f.users[3].Username}
	}
	return nil, fmt.Errorf("no user %q; usernames look like %s", name, strings.Join(near, ", "))
}

func (f *forum) lookupPost(id int) (*post, error) {
	if p, ok := f.posts[id]; ok {
		return p, nil
	}
	if id >= 1 && id < f.nextPost {
		return nil, fmt.Errorf("post %d was deleted", id)
	}
	return nil, fmt.Errorf("no post %d; post ids are 1..%d (use list_posts or search_posts)", id, f.nextPost-1)
}

func ts(t time.Time) string { return t.Format(time.RFC3339) }

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
	}
	return s[:cut] + "…"
}

// ---- output types ----

// PostSummary is a post in a listing.
type PostSummary struct {
	ID           int      `json:"id" jsonschema:"post id"`
	Title        string   `json:"title" jsonschema:"title"`
	Author       string   `json:"author" jsonschema:"author's username"`
	Tags         []string `json:"tags" jsonschema:"tags"`
	Score        int      `json:"score" jsonschema:"upvotes minus downvotes"`
	CommentCount int      `json:"comment_count" jsonschema:"number of comments"`
	CreatedAt    string   `json:"created_at" jsonschema:"RFC 3339 time"`
	Excerpt      string   `json:"excerpt" jsonschema:"start of the body"`
}

// Comment is one comment in a flattened thread.
type Comment struct {
	ID        int    `json:"id" jsonschema:"comment id"`
	ParentID  int    `json:"parent_id" jsonschema:"comment replied to, 0 for a top-level comment"`
	Depth     int    `json:"depth" jsonschema:"nesting depth, 0 for top level"`
	Author    string `json:"author" jsonschema:"author's username"`
	Body      string `json:"body" jsonschema:"comment text"`
	Score     int    `json:"score" jsonschema:"upvotes minus downvotes"`
	CreatedAt string `json:"created_at" jsonschema:"RFC 3339 time"`
}

func (f *forum) summary(p *post) PostSummary {
	return PostSummary{p.ID, p.Title, f.users[p.Author].Username, slices.Clone(p.Tags), f.postScore[p.ID], len(f.thread[p.ID]), ts(p.Created), excerpt(p.Body, 140)}
}

// hot ranks like Hacker News: score decays with age in hours.
func (f *forum) hot(p *post) float64 {
	age := f.clock.Sub(p.Created).Hours()
	return float64(f.postScore[p.ID]+len(f.thread[p.ID])) / math.Pow(age+2, 1.5)
}

// ---- tools ----

type listIn struct {
	Sort     string `json:"sort,omitempty" jsonschema:"order: new (latest first), top (highest score), hot (score and comments decayed by age), active (most comments)" enum:"new,top,hot,active" default:"\"new\""`
	Tag      string `json:"tag,omitempty" jsonschema:"only posts with this tag (see top_tags)"`
	Author   string `json:"author,omitempty" jsonschema:"only posts by this username"`
	Page     int    `json:"page,omitempty" jsonschema:"1-based page number" minimum:"1" default:"1"`
	PageSize int    `json:"page_size,omitempty" jsonschema:"posts per page" minimum:"1" maximum:"50" default:"20"`
}

type listOut struct {
	Posts []PostSummary `json:"posts" jsonschema:"posts on this page"`
	Total int           `json:"total" jsonschema:"posts matching the filters"`
	Page  int           `json:"page" jsonschema:"this page"`
	Pages int           `json:"pages" jsonschema:"number of pages"`
}

type getPostIn struct {
	PostID          int    `json:"post_id" jsonschema:"post id" minimum:"1"`
	IncludeComments bool   `json:"include_comments,omitempty" jsonschema:"include the comment thread" default:"true"`
	CommentSort     string `json:"comment_sort,omitempty" jsonschema:"order of sibling comments" enum:"top,old,new" default:"\"top\""`
	MaxDepth        int    `json:"max_depth,omitempty" jsonschema:"deepest reply level to include (0 = top-level comments only)" minimum:"0" maximum:"20" default:"10"`
}

type getPostOut struct {
	PostSummary
	Body     string    `json:"body" jsonschema:"full body text"`
	Comments []Comment `json:"comments" jsonschema:"the thread flattened in reading order; replies follow their parent with depth+1"`
}

type searchIn struct {
	Query string `json:"query" jsonschema:"words to find in titles and bodies (all words must occur; title matches rank higher)" minLength:"1" maxLength:"200"`
	Tag   string `json:"tag,omitempty" jsonschema:"only posts with this tag"`
	Limit int    `json:"limit,omitempty" jsonschema:"maximum results" minimum:"1" maximum:"50" default:"10"`
}

// SearchHit is one search result.
type SearchHit struct {
	PostSummary
	Relevance float64 `json:"relevance" jsonschema:"match score, higher is better"`
	Snippet   string  `json:"snippet" jsonschema:"text around the first match in the body"`
}

type searchOut struct {
	Results []SearchHit `json:"results" jsonschema:"best matches first"`
	Total   int         `json:"total" jsonschema:"all matching posts"`
}

type userIn struct {
	Username string `json:"username" jsonschema:"username, e.g. quiet_gopher1"`
}

// TagCount is a tag with a count.
type TagCount struct {
	Tag   string `json:"tag" jsonschema:"tag"`
	Count int    `json:"count" jsonschema:"number of posts"`
}

type userOut struct {
	Username     string     `json:"username" jsonschema:"username"`
	DisplayName  string     `json:"display_name" jsonschema:"display name"`
	Role         string     `json:"role" jsonschema:"member or moderator"`
	Bio          string     `json:"bio" jsonschema:"profile text"`
	Location     string     `json:"location" jsonschema:"location"`
	JoinedAt     string     `json:"joined_at" jsonschema:"RFC 3339 time"`
	Followers    int        `json:"followers" jsonschema:"followers"`
	Karma        int        `json:"karma" jsonschema:"total score of the user's posts and comments"`
	PostCount    int        `json:"post_count" jsonschema:"posts written"`
	CommentCount int        `json:"comment_count" jsonschema:"comments written"`
	TopTags      []TagCount `json:"top_tags" jsonschema:"tags the user posts in most (up to 5)"`
}

type activityIn struct {
	Username string `json:"username" jsonschema:"username"`
	Kind     string `json:"kind,omitempty" jsonschema:"which activity to list" enum:"all,posts,comments" default:"\"all\""`
	Limit    int    `json:"limit,omitempty" jsonschema:"maximum items, newest first" minimum:"1" maximum:"100" default:"20"`
}

// Activity is one post or comment by a user.
type Activity struct {
	Type      string `json:"type" jsonschema:"post or comment"`
	ID        int    `json:"id" jsonschema:"post or comment id"`
	PostID    int    `json:"post_id" jsonschema:"the post (itself, or the one commented on)"`
	PostTitle string `json:"post_title" jsonschema:"title of that post"`
	Excerpt   string `json:"excerpt" jsonschema:"start of the text"`
	Score     int    `json:"score" jsonschema:"score"`
	CreatedAt string `json:"created_at" jsonschema:"RFC 3339 time"`
}

type activityOut struct {
	Username string     `json:"username" jsonschema:"username"`
	Items    []Activity `json:"items" jsonschema:"newest first"`
	Total    int        `json:"total" jsonschema:"all matching items"`
}

type topTagsIn struct {
	Limit int    `json:"limit,omitempty" jsonschema:"number of tags" minimum:"1" maximum:"50" default:"10"`
	Since string `json:"since,omitempty" jsonschema:"only count posts created on or after this date (YYYY-MM-DD)"`
}

// TagStat summarizes a tag.
type TagStat struct {
	Tag        string `json:"tag" jsonschema:"tag"`
	Posts      int    `json:"posts" jsonschema:"posts with the tag"`
	Comments   int    `json:"comments" jsonschema:"comments on those posts"`
	TotalScore int    `json:"total_score" jsonschema:"sum of those posts' scores"`
}

type topTagsOut struct {
	Tags []TagStat `json:"tags" jsonschema:"by number of posts, then name"`
}

type createPostIn struct {
	Author string   `json:"author" jsonschema:"username posting"`
	Title  string   `json:"title" jsonschema:"post title" minLength:"10" maxLength:"200"`
	Body   string   `json:"body" jsonschema:"post body (Markdown)" minLength:"20" maxLength:"20000"`
	Tags   []string `json:"tags" jsonschema:"1 to 5 existing tags" maxItems:"5"`
}

type addCommentIn struct {
	PostID   int    `json:"post_id" jsonschema:"post to comment on" minimum:"1"`
	ParentID int    `json:"parent_id,omitempty" jsonschema:"comment to reply to (must be on the same post); omit for a top-level comment" minimum:"1"`
	Author   string `json:"author" jsonschema:"username commenting"`
	Body     string `json:"body" jsonschema:"comment text" minLength:"2" maxLength:"10000"`
}

type voteIn struct {
	Username   string `json:"username" jsonschema:"username voting"`
	TargetType string `json:"target_type" jsonschema:"what to vote on" enum:"post,comment"`
	TargetID   int    `json:"target_id" jsonschema:"post or comment id" minimum:"1"`
	Direction  string `json:"direction" jsonschema:"up, down, or clear to remove the vote; repeating a vote changes nothing" enum:"up,down,clear"`
}

type voteOut struct {
	TargetType string `json:"target_type" jsonschema:"post or comment"`
	TargetID   int    `json:"target_id" jsonschema:"target id"`
	Previous   string `json:"previous" jsonschema:"the user's vote before: up, down or none"`
	Current    string `json:"current" jsonschema:"the user's vote now: up, down or none"`
	Score      int    `json:"score" jsonschema:"target's score after the vote"`
	Changed    bool   `json:"changed" jsonschema:"false if the vote was already in place"`
}

type deleteIn struct {
	PostID    int    `json:"post_id" jsonschema:"post to delete" minimum:"1"`
	Requester string `json:"requester" jsonschema:"username asking; must be the author or a moderator"`
}

type deleteOut struct {
	PostID          int    `json:"post_id" jsonschema:"deleted post"`
	Title           string `json:"title" jsonschema:"its title"`
	CommentsDeleted int    `json:"comments_deleted" jsonschema:"comments removed with it"`
	VotesDeleted    int    `json:"votes_deleted" jsonschema:"votes removed with it"`
}

func (f *forum) register(s *mcp.Server) {
	tooldef.Add(s, tooldef.ReadOnly, "list_posts", "List posts",
		"List posts one page at a time, sorted by new, top, hot or active, optionally filtered by tag or author. Returns summaries with score, comment count and an excerpt.",
		f.listPosts)
	tooldef.Add(s, tooldef.ReadOnly, "get_post", "Get post",
		"Get one post with its full body and its comment thread, flattened in reading order with parent_id and depth for each comment.",
		f.getPost)
	tooldef.Add(s, tooldef.ReadOnly, "search_posts", "Search posts",
		"Search post titles and bodies for all the given words; title matches rank higher. Returns post summaries with a snippet.",
		f.searchPosts)
	tooldef.Add(s, tooldef.ReadOnly, "get_user", "Get user",
		"Get a user's profile: role, bio, join date, karma, post and comment counts, and the tags they post in most.",
		f.getUser)
	tooldef.Add(s, tooldef.ReadOnly, "user_activity", "User activity",
		"List a user's recent posts and/or comments, newest first, with the post each belongs to.",
		f.userActivity)
	tooldef.Add(s, tooldef.ReadOnly, "top_tags", "Top tags",
		"Rank tags by number of posts, with comment counts and total score, optionally only for posts since a date.",
		f.topTags)
	tooldef.Add(s, tooldef.Additive, "create_post", "Create post",
		"Publish a new post as the given user with 1 to 5 existing tags. Returns the created post.",
		f.createPost)
	tooldef.Add(s, tooldef.Additive, "add_comment", "Add comment",
		"Add a comment to a post as the given user, either top-level or as a reply to another comment on the same post.",
		f.addComment)
	tooldef.Add(s, tooldef.IdempotentWrite, "vote", "Vote",
		"Set a user's vote on a post or comment to up, down or clear. Voting the same way twice has no further effect.",
		f.vote)
	tooldef.Add(s, tooldef.Destructive, "delete_post", "Delete post",
		"Permanently delete a post with all its comments and votes. Only the author or a moderator may delete.",
		f.deletePost)
}

func (f *forum) checkTag(tag string) error {
	if tag != "" && !slices.Contains(Tags, tag) {
		return fmt.Errorf("unknown tag %q; tags are: %s", tag, strings.Join(Tags, ", "))
	}
	return nil
}

func (f *forum) sortedPosts() []*post {
	ps := make([]*post, 0, len(f.posts))
	for _, p := range f.posts {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b *post) int { return cmp.Compare(b.ID, a.ID) })
	return ps
}

func (f *forum) listPosts(_ context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := listOut{Posts: []PostSummary{}}
	if err := f.checkTag(in.Tag); err != nil {
		return nil, out, err
	}
	author := 0
	if in.Author != "" {
		u, err := f.lookupUser(in.Author)
		if err != nil {
			return nil, out, err
		}
		author = u.ID
	}
	var ps []*post
	for _, p := range f.sortedPosts() {
		if (in.Tag == "" || slices.Contains(p.Tags, in.Tag)) && (author == 0 || p.Author == author) {
			ps = append(ps, p)
		}
	}
	key := func(p *post) float64 {
		switch in.Sort {
		case "top":
			return float64(f.postScore[p.ID])
		case "hot":
			return f.hot(p)
		case "active":
			return float64(len(f.thread[p.ID]))
		}
		return float64(p.Created.Unix())
	}
	slices.SortStableFunc(ps, func(a, b *post) int { return cmp.Compare(key(b), key(a)) })
	size, page := max(in.PageSize, 1), max(in.Page, 1)
	if in.PageSize == 0 {
		size = 20
	}
	out.Total, out.Page, out.Pages = len(ps), page, (len(ps)+size-1)/size
	if page > out.Pages && len(ps) > 0 {
		return nil, out, fmt.Errorf("page %d is past the last page (%d)", page, out.Pages)
	}
	for _, p := range ps[min((page-1)*size, len(ps)):min(page*size, len(ps))] {
		out.Posts = append(out.Posts, f.summary(p))
	}
	return nil, out, nil
}

func (f *forum) getPost(_ context.Context, _ *mcp.CallToolRequest, in getPostIn) (*mcp.CallToolResult, getPostOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := getPostOut{Comments: []Comment{}}
	p, err := f.lookupPost(in.PostID)
	if err != nil {
		return nil, out, err
	}
	out.PostSummary, out.Body = f.summary(p), p.Body
	if !in.IncludeComments {
		return nil, out, nil
	}
	children := map[int][]*comment{}
	for _, id := range f.thread[p.ID] {
		c := f.comments[id]
		children[c.Parent] = append(children[c.Parent], c)
	}
	for _, cs := range children {
		slices.SortStableFunc(cs, func(a, b *comment) int {
			switch in.CommentSort {
			case "old":
				return cmp.Compare(a.ID, b.ID)
			case "new":
				return cmp.Compare(b.ID, a.ID)
			}
			return cmp.Or(cmp.Compare(f.commentScore[b.ID], f.commentScore[a.ID]), cmp.Compare(a.ID, b.ID))
		})
	}
	var walk func(parent, depth int)
	walk = func(parent, depth int) {
		if depth > in.MaxDepth {
			return
		}
		for _, c := range children[parent] {
			out.Comments = append(out.Comments, Comment{c.ID, c.Parent, depth, f.users[c.Author].Username, c.Body, f.commentScore[c.ID], ts(c.Created)})
			walk(c.ID, depth+1)
		}
	}
	walk(0, 0)
	return nil, out, nil
}

func (f *forum) searchPosts(_ context.Context, _ *mcp.CallToolRequest, in searchIn) (*mcp.CallToolResult, searchOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := searchOut{Results: []SearchHit{}}
	if err := f.checkTag(in.Tag); err != nil {
		return nil, out, err
	}
	words := strings.Fields(strings.ToLower(in.Query))
	if len(words) == 0 {
		return nil, out, fmt.Errorf("query has no words")
	}
	var hits []SearchHit
	for _, p := range f.sortedPosts() {
		if in.Tag != "" && !slices.Contains(p.Tags, in.Tag) {
			continue
		}
		title, body := strings.ToLower(p.Title), strings.ToLower(p.Body)
		score, ok := 0.0, true
		for _, w := range words {
			t, b := strings.Count(title, w), strings.Count(body, w)
			if t+b == 0 && !slices.Contains(p.Tags, w) {
				ok = false
				break
			}
			score += 3*float64(t) + float64(b)
			if slices.Contains(p.Tags, w) {
				score += 2
			}
		}
		if !ok {
			continue
		}
		score += math.Log1p(math.Max(0, float64(f.postScore[p.ID]))) / 4
		snip := excerpt(p.Body, 160)
		if i := strings.Index(body, words[0]); i >= 0 {
			snip = excerpt(p.Body[max(0, i-60):], 160)
		}
		hits = append(hits, SearchHit{f.summary(p), math.Round(score*1000) / 1000, snip})
	}
	slices.SortStableFunc(hits, func(a, b SearchHit) int { return cmp.Compare(b.Relevance, a.Relevance) })
	limit := in.Limit
	if limit == 0 {
		limit = 10
	}
	out.Total = len(hits)
	out.Results = append(out.Results, hits[:min(limit, len(hits))]...)
	return nil, out, nil
}

func (f *forum) getUser(_ context.Context, _ *mcp.CallToolRequest, in userIn) (*mcp.CallToolResult, userOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out userOut
	u, err := f.lookupUser(in.Username)
	if err != nil {
		return nil, out, err
	}
	out = userOut{Username: u.Username, DisplayName: u.Display, Role: u.Role, Bio: u.Bio, Location: u.Location,
		JoinedAt: ts(u.JoinedAt), Followers: u.Followers, TopTags: []TagCount{}}
	tags := map[string]int{}
	for _, p := range f.posts {
		if p.Author == u.ID {
			out.PostCount++
			out.Karma += f.postScore[p.ID]
			for _, t := range p.Tags {
				tags[t]++
			}
		}
	}
	for _, c := range f.comments {
		if c.Author == u.ID {
			out.CommentCount++
			out.Karma += f.commentScore[c.ID]
		}
	}
	for t, n := range tags {
		out.TopTags = append(out.TopTags, TagCount{t, n})
	}
	slices.SortFunc(out.TopTags, func(a, b TagCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Tag, b.Tag)) })
	out.TopTags = out.TopTags[:min(5, len(out.TopTags))]
	return nil, out, nil
}

func (f *forum) userActivity(_ context.Context, _ *mcp.CallToolRequest, in activityIn) (*mcp.CallToolResult, activityOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := activityOut{Items: []Activity{}}
	u, err := f.lookupUser(in.Username)
	if err != nil {
		return nil, out, err
	}
	out.Username = u.Username
	type item struct {
		a Activity
		t time.Time
	}
	var items []item
	if in.Kind != "comments" {
		for _, p := range f.posts {
			if p.Author == u.ID {
				items = append(items, item{Activity{"post", p.ID, p.ID, p.Title, excerpt(p.Body, 100), f.postScore[p.ID], ts(p.Created)}, p.Created})
			}
		}
	}
	if in.Kind != "posts" {
		for _, c := range f.comments {
			if c.Author == u.ID {
				items = append(items, item{Activity{"comment", c.ID, c.PostID, f.posts[c.PostID].Title, excerpt(c.Body, 100), f.commentScore[c.ID], ts(c.Created)}, c.Created})
			}
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(b.t.Compare(a.t), cmp.Compare(a.a.Type, b.a.Type), cmp.Compare(b.a.ID, a.a.ID))
	})
	limit := in.Limit
	if limit == 0 {
		limit = 20
	}
	out.Total = len(items)
	for _, it := range items[:min(limit, len(items))] {
		out.Items = append(out.Items, it.a)
	}
	return nil, out, nil
}

func (f *forum) topTags(_ context.Context, _ *mcp.CallToolRequest, in topTagsIn) (*mcp.CallToolResult, topTagsOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := topTagsOut{Tags: []TagStat{}}
	var since time.Time
	if in.Since != "" {
		var err error
		if since, err = time.Parse(time.DateOnly, in.Since); err != nil {
			return nil, out, fmt.Errorf("since %q is not a date; use YYYY-MM-DD, e.g. 2024-06-01", in.Since)
		}
	}
	stats := map[string]*TagStat{}
	for _, p := range f.posts {
		if p.Created.Before(since) {
			continue
		}
		for _, t := range p.Tags {
			s := stats[t]
			if s == nil {
				s = &TagStat{Tag: t}
				stats[t] = s
			}
			s.Posts++
			s.Comments += len(f.thread[p.ID])
			s.TotalScore += f.postScore[p.ID]
		}
	}
	for _, s := range stats {
		out.Tags = append(out.Tags, *s)
	}
	slices.SortFunc(out.Tags, func(a, b TagStat) int { return cmp.Or(cmp.Compare(b.Posts, a.Posts), cmp.Compare(a.Tag, b.Tag)) })
	limit := in.Limit
	if limit == 0 {
		limit = 10
	}
	out.Tags = out.Tags[:min(limit, len(out.Tags))]
	return nil, out, nil
}

func (f *forum) createPost(_ context.Context, _ *mcp.CallToolRequest, in createPostIn) (*mcp.CallToolResult, getPostOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out getPostOut
	u, err := f.lookupUser(in.Author)
	if err != nil {
		return nil, out, err
	}
	if len(in.Tags) == 0 {
		return nil, out, fmt.Errorf("give 1 to 5 tags from: %s", strings.Join(Tags, ", "))
	}
	var tags []string
	for _, t := range in.Tags {
		if err := f.checkTag(t); err != nil {
			return nil, out, err
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if strings.TrimSpace(in.Title) == "" || strings.TrimSpace(in.Body) == "" {
		return nil, out, fmt.Errorf("title and body must not be blank")
	}
	p := &post{ID: f.nextPost, Author: u.ID, Title: strings.TrimSpace(in.Title), Body: in.Body, Tags: tags, Created: f.tick()}
	f.nextPost++
	f.posts[p.ID] = p
	out.PostSummary, out.Body, out.Comments = f.summary(p), p.Body, []Comment{}
	return nil, out, nil
}

func (f *forum) addComment(_ context.Context, _ *mcp.CallToolRequest, in addCommentIn) (*mcp.CallToolResult, Comment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out Comment
	u, err := f.lookupUser(in.Author)
	if err != nil {
		return nil, out, err
	}
	p, err := f.lookupPost(in.PostID)
	if err != nil {
		return nil, out, err
	}
	depth := 0
	if in.ParentID != 0 {
		parent, ok := f.comments[in.ParentID]
		if !ok || parent.PostID != p.ID {
			return nil, out, fmt.Errorf("comment %d is not on post %d; get_post lists the post's comment ids", in.ParentID, p.ID)
		}
		for c := parent; c.Parent != 0; c = f.comments[c.Parent] {
			depth++
		}
		depth++
	}
	if strings.TrimSpace(in.Body) == "" {
		return nil, out, fmt.Errorf("body must not be blank")
	}
	c := &comment{ID: f.nextComment, PostID: p.ID, Parent: in.ParentID, Author: u.ID, Body: in.Body, Created: f.tick()}
	f.nextComment++
	f.comments[c.ID] = c
	f.thread[p.ID] = append(f.thread[p.ID], c.ID)
	return nil, Comment{c.ID, c.Parent, depth, u.Username, c.Body, 0, ts(c.Created)}, nil
}

func voteName(d int) string {
	switch d {
	case 1:
		return "up"
	case -1:
		return "down"
	}
	return "none"
}

func (f *forum) vote(_ context.Context, _ *mcp.CallToolRequest, in voteIn) (*mcp.CallToolResult, voteOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := voteOut{TargetType: in.TargetType, TargetID: in.TargetID}
	u, err := f.lookupUser(in.Username)
	if err != nil {
		return nil, out, err
	}
	k := voteKey{u.ID, in.TargetType == "post", in.TargetID}
	if k.onPost {
		if _, err := f.lookupPost(in.TargetID); err != nil {
			return nil, out, err
		}
	} else if _, ok := f.comments[in.TargetID]; !ok {
		return nil, out, fmt.Errorf("no comment %d; comment ids are shown by get_post", in.TargetID)
	}
	dir := map[string]int{"up": 1, "down": -1, "clear": 0}[in.Direction]
	prev := f.setVote(k, dir)
	out.Previous, out.Current, out.Changed = voteName(prev), voteName(dir), prev != dir
	if k.onPost {
		out.Score = f.postScore[k.id]
	} else {
		out.Score = f.commentScore[k.id]
	}
	return nil, out, nil
}

func (f *forum) deletePost(_ context.Context, _ *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, deleteOut, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out deleteOut
	u, err := f.lookupUser(in.Requester)
	if err != nil {
		return nil, out, err
	}
	p, err := f.lookupPost(in.PostID)
	if err != nil {
		return nil, out, err
	}
	if p.Author != u.ID && u.Role != "moderator" {
		return nil, out, fmt.Errorf("%s may not delete post %d: only its author (%s) or a moderator can", u.Username, p.ID, f.users[p.Author].Username)
	}
	out.PostID, out.Title = p.ID, p.Title
	dead := map[int]bool{}
	for _, id := range f.thread[p.ID] {
		dead[id] = true
		delete(f.comments, id)
		delete(f.commentScore, id)
	}
	out.CommentsDeleted = len(dead)
	for k := range f.votes {
		if k.onPost && k.id == p.ID || !k.onPost && dead[k.id] {
			delete(f.votes, k)
			out.VotesDeleted++
		}
	}
	delete(f.posts, p.ID)
	delete(f.thread, p.ID)
	delete(f.postScore, p.ID)
	return nil, out, nil
}
