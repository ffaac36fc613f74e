package forum

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cemcp/cemcp/servers/internal/servertest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func connect(t *testing.T) *mcp.ClientSession {
	t.Helper()
	return servertest.Connect(t, New())
}

// world builds the generated forum directly, to compute expectations
// independently of the tools.
func world() *forum {
	f := &forum{users: map[int]*user{}, byName: map[string]int{}, posts: map[int]*post{}, comments: map[int]*comment{},
		thread: map[int][]int{}, votes: map[voteKey]int{}, postScore: map[int]int{}, commentScore: map[int]int{}}
	f.generate()
	f.clock = now
	return f
}

func TestToolsList(t *testing.T) {
	tools := servertest.CheckTools(t, connect(t))
	want := map[string][3]bool{ // readOnly, destructive, idempotent
		"create_post": {false, false, false}, "add_comment": {false, false, false},
		"vote": {false, false, true}, "delete_post": {false, true, true}, "list_posts": {true, false, true},
	}
	if len(tools) != 10 {
		t.Errorf("got %d tools, want 10", len(tools))
	}
	for _, tl := range tools {
		a := tl.Annotations
		if w, ok := want[tl.Name]; ok && (a.ReadOnlyHint != w[0] || *a.DestructiveHint != w[1] || a.IdempotentHint != w[2]) {
			t.Errorf("%s: annotations %+v, want %v", tl.Name, a, w)
		}
	}
	servertest.ToolsGolden(t, tools)
}

func TestDataSize(t *testing.T) {
	f := world()
	if len(f.posts) < 300 || len(f.comments) < 1500 || len(f.users) < 100 || len(f.votes) < 3000 {
		t.Errorf("posts %d comments %d users %d votes %d", len(f.posts), len(f.comments), len(f.users), len(f.votes))
	}
	for _, c := range f.comments {
		if c.Parent != 0 && f.comments[c.Parent].PostID != c.PostID {
			t.Fatalf("comment %d replies across posts", c.ID)
		}
	}
}

func TestReadTools(t *testing.T) {
	cs := connect(t)
	f := world()
	var readTools []*mcp.Tool
	for _, tl := range servertest.CheckTools(t, cs) {
		if tl.Annotations.ReadOnlyHint {
			readTools = append(readTools, tl)
		}
	}
	u := f.users[17]
	goPosts, postsBy17, commentsBy17, karma17 := 0, 0, 0, 0
	for _, p := range f.posts {
		if strings.Contains(strings.Join(p.Tags, ","), "go") && containsTag(p.Tags, "go") {
			goPosts++
		}
		if p.Author == 17 {
			postsBy17++
			karma17 += f.postScore[p.ID]
		}
	}
	for _, c := range f.comments {
		if c.Author == 17 {
			commentsBy17++
			karma17 += f.commentScore[c.ID]
		}
	}
	busiest := 1
	for id := range f.posts {
		if len(f.thread[id]) > len(f.thread[busiest]) || len(f.thread[id]) == len(f.thread[busiest]) && id > busiest {
			busiest = id
		}
	}
	servertest.CallAll(t, cs, readTools, []servertest.Case{
		{Tool: "list_posts", Args: map[string]any{}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[listOut](t, raw)
			if out.Total != numPosts || len(out.Posts) != 20 || out.Pages != 16 || out.Posts[0].ID != numPosts {
				t.Errorf("list = total %d, %d posts, %d pages, first %d", out.Total, len(out.Posts), out.Pages, out.Posts[0].ID)
			}
		}},
		{Name: "list_posts/tag-top", Tool: "list_posts", Args: map[string]any{"tag": "go", "sort": "top", "page_size": 50}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[listOut](t, raw)
			if out.Total != goPosts {
				t.Errorf("go posts = %d, want %d", out.Total, goPosts)
			}
			for i := 1; i < len(out.Posts); i++ {
				if out.Posts[i].Score > out.Posts[i-1].Score || !containsTag(out.Posts[i].Tags, "go") {
					t.Fatalf("not sorted by score or wrong tag at %d", i)
				}
			}
		}},
		{Name: "list_posts/active", Tool: "list_posts", Args: map[string]any{"sort": "active", "page_size": 1}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[listOut](t, raw)
			if out.Posts[0].CommentCount != len(f.thread[busiest]) {
				t.Errorf("most active has %d comments, want %d", out.Posts[0].CommentCount, len(f.thread[busiest]))
			}
		}},
		{Name: "list_posts/hot-author", Tool: "list_posts", Args: map[string]any{"sort": "hot", "author": u.Username, "page": 1}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[listOut](t, raw); out.Total != postsBy17 {
				t.Errorf("posts by %s = %d, want %d", u.Username, out.Total, postsBy17)
			}
		}},
		{Tool: "get_post", Args: map[string]any{"post_id": busiest}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[getPostOut](t, raw)
			if len(out.Comments) != len(f.thread[busiest]) || out.Body != f.posts[busiest].Body {
				t.Fatalf("got %d comments, want %d", len(out.Comments), len(f.thread[busiest]))
			}
			// Reading order: each reply directly follows its parent's subtree start.
			seen := map[int]int{}
			for _, c := range out.Comments {
				if c.ParentID != 0 {
					d, ok := seen[c.ParentID]
					if !ok || c.Depth != d+1 {
						t.Fatalf("comment %d (depth %d) before or not under parent %d", c.ID, c.Depth, c.ParentID)
					}
				} else if c.Depth != 0 {
					t.Fatalf("top-level comment %d at depth %d", c.ID, c.Depth)
				}
				seen[c.ID] = c.Depth
			}
		}},
		{Name: "get_post/top-level", Tool: "get_post", Args: map[string]any{"post_id": busiest, "max_depth": 0, "comment_sort": "old"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[getPostOut](t, raw)
			for i, c := range out.Comments {
				if c.Depth != 0 || i > 0 && c.ID < out.Comments[i-1].ID {
					t.Fatalf("comment %+v", c)
				}
			}
		}},
		{Tool: "search_posts", Args: map[string]any{"query": "memory leak"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[searchOut](t, raw)
			want := 0
			for _, p := range f.posts {
				text := strings.ToLower(p.Title + " " + p.Body)
				if strings.Contains(text, "memory") && strings.Contains(text, "leak") {
					want++
				}
			}
			if out.Total != want || want == 0 || len(out.Results) != min(10, want) {
				t.Errorf("search total %d, want %d", out.Total, want)
			}
			if !strings.Contains(strings.ToLower(out.Results[0].Title+out.Results[0].Snippet), "memory") {
				t.Errorf("first hit %+v", out.Results[0])
			}
		}},
		{Tool: "get_user", Args: map[string]any{"username": u.Username}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[userOut](t, raw)
			if out.PostCount != postsBy17 || out.CommentCount != commentsBy17 || out.Karma != karma17 {
				t.Errorf("user = %+v, want %d posts %d comments karma %d", out, postsBy17, commentsBy17, karma17)
			}
		}},
		{Tool: "user_activity", Args: map[string]any{"username": u.Username, "kind": "comments", "limit": 5}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[activityOut](t, raw)
			if out.Total != commentsBy17 || len(out.Items) != min(5, commentsBy17) || out.Items[0].Type != "comment" {
				t.Errorf("activity = %+v", out)
			}
			for i := 1; i < len(out.Items); i++ {
				if out.Items[i].CreatedAt > out.Items[i-1].CreatedAt {
					t.Error("not newest first")
				}
			}
		}},
		{Tool: "top_tags", Args: map[string]any{"limit": 24}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[topTagsOut](t, raw)
			sum := 0
			for _, tg := range out.Tags {
				sum += tg.Posts
				if tg.Tag == "go" && tg.Posts != goPosts {
					t.Errorf("go = %d posts, want %d", tg.Posts, goPosts)
				}
			}
			tagged := 0
			for _, p := range f.posts {
				tagged += len(p.Tags)
			}
			if sum != tagged {
				t.Errorf("tag posts sum %d, want %d", sum, tagged)
			}
		}},
		{Name: "top_tags/since", Tool: "top_tags", Args: map[string]any{"since": "2024-12-01", "limit": 3}, Check: func(t *testing.T, raw []byte) {
			if out := servertest.Decode[topTagsOut](t, raw); len(out.Tags) != 3 || out.Tags[0].Posts > 40 {
				t.Errorf("recent tags = %+v", out)
			}
		}},
	})
}

func containsTag(tags []string, t string) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
}

func TestWrites(t *testing.T) {
	cs := connect(t)
	f := world()
	author, other, mod := f.users[5].Username, f.users[6].Username, f.users[26].Username
	if f.users[26].Role != "moderator" {
		t.Fatal("user 26 should be a moderator")
	}
	p, _ := servertest.CallOK[getPostOut](t, cs, "create_post", map[string]any{
		"author": author, "title": "How do I cancel a slow SQLite query?", "body": "My query runs for minutes; can I interrupt it from Go?", "tags": []string{"go", "databases", "go"},
	})
	if p.ID != numPosts+1 || p.Author != author || strings.Join(p.Tags, ",") != "go,databases" || p.CreatedAt != "2025-01-01T00:01:00Z" {
		t.Errorf("created = %+v", p)
	}
	list, _ := servertest.CallOK[listOut](t, cs, "list_posts", map[string]any{"page_size": 1})
	if list.Total != numPosts+1 || list.Posts[0].ID != p.ID {
		t.Errorf("new post not listed first: %+v", list.Posts)
	}
	c1, _ := servertest.CallOK[Comment](t, cs, "add_comment", map[string]any{"post_id": p.ID, "author": other, "body": "Cancel the context; the driver interrupts."})
	c2, _ := servertest.CallOK[Comment](t, cs, "add_comment", map[string]any{"post_id": p.ID, "author": author, "body": "That worked, thanks!", "parent_id": c1.ID})
	if c1.ID != numComments+1 || c2.Depth != 1 || c2.ParentID != c1.ID {
		t.Errorf("comments = %+v %+v", c1, c2)
	}
	servertest.CallErr(t, cs, "add_comment", map[string]any{"post_id": 1, "author": other, "body": "wrong thread", "parent_id": c1.ID}, "is not on post 1")

	up := map[string]any{"username": other, "target_type": "post", "target_id": p.ID, "direction": "up"}
	v1, _ := servertest.CallOK[voteOut](t, cs, "vote", up)
	v2, _ := servertest.CallOK[voteOut](t, cs, "vote", up)
	if !v1.Changed || v1.Score != 1 || v2.Changed || v2.Score != 1 || v2.Previous != "up" {
		t.Errorf("votes = %+v then %+v", v1, v2)
	}
	v3, _ := servertest.CallOK[voteOut](t, cs, "vote", map[string]any{"username": author, "target_type": "comment", "target_id": c1.ID, "direction": "down"})
	if v3.Score != -1 {
		t.Errorf("comment vote = %+v", v3)
	}

	got, _ := servertest.CallOK[getPostOut](t, cs, "get_post", map[string]any{"post_id": p.ID})
	if got.Score != 1 || got.CommentCount != 2 || len(got.Comments) != 2 || got.Comments[1].ParentID != c1.ID {
		t.Errorf("thread = %+v", got)
	}

	servertest.CallErr(t, cs, "delete_post", map[string]any{"post_id": p.ID, "requester": other}, "may not delete", author)
	d, _ := servertest.CallOK[deleteOut](t, cs, "delete_post", map[string]any{"post_id": p.ID, "requester": author})
	if d.CommentsDeleted != 2 || d.VotesDeleted != 2 {
		t.Errorf("delete = %+v", d)
	}
	servertest.CallErr(t, cs, "get_post", map[string]any{"post_id": p.ID}, "was deleted")
	servertest.CallErr(t, cs, "delete_post", map[string]any{"post_id": p.ID, "requester": author}, "was deleted")
	// A moderator may delete anyone's post.
	servertest.CallOK[deleteOut](t, cs, "delete_post", map[string]any{"post_id": 1, "requester": mod})
	if l, _ := servertest.CallOK[listOut](t, cs, "list_posts", map[string]any{}); l.Total != numPosts-1 {
		t.Errorf("total after deletes = %d", l.Total)
	}
}

func TestInvalidArguments(t *testing.T) {
	cs := connect(t)
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"list_posts", map[string]any{"sort": "random"}, []string{"sort"}},
		{"list_posts", map[string]any{"tag": "golang"}, []string{"unknown tag", "go, python"}},
		{"list_posts", map[string]any{"page": 99}, []string{"past the last page"}},
		{"list_posts", map[string]any{"page_size": 500}, []string{"page_size"}},
		{"get_post", map[string]any{"post_id": 9999}, []string{"post ids are 1..320"}},
		{"get_user", map[string]any{"username": "nobody"}, []string{"no user", "usernames look like"}},
		{"top_tags", map[string]any{"since": "last week"}, []string{"YYYY-MM-DD"}},
		// One invalid field each: the validator names the first it finds, and
		// its order over properties is not fixed.
		{"create_post", map[string]any{"author": "quiet_otter1", "title": "short", "body": "A body that is long enough."}, []string{"title"}},
		{"create_post", map[string]any{"author": "quiet_otter1", "title": "A perfectly fine title", "body": "x"}, []string{"body"}},
		{"create_post", map[string]any{"author": world().users[1].Username, "title": "A perfectly fine title", "body": "A body that is long enough.", "tags": []string{"cooking"}}, []string{"unknown tag"}},
		{"vote", map[string]any{"username": world().users[1].Username, "target_type": "user", "target_id": 1, "direction": "up"}, []string{"target_type"}},
		{"vote", map[string]any{"username": world().users[1].Username, "target_type": "comment", "target_id": 99999, "direction": "up"}, []string{"no comment 99999"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func TestFreshServersAgree(t *testing.T) {
	args := map[string]any{"sort": "hot", "page_size": 50}
	_, a := servertest.CallOK[json.RawMessage](t, connect(t), "list_posts", args)
	_, b := servertest.CallOK[json.RawMessage](t, connect(t), "list_posts", args)
	if string(a) != string(b) {
		t.Error("fresh servers differ")
	}
}

func BenchmarkGetPost(b *testing.B) {
	cs := servertest.Connect(b, New())
	for b.Loop() {
		servertest.CallOK[getPostOut](b, cs, "get_post", map[string]any{"post_id": 42})
	}
}
