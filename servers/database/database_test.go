package database

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cemcp/cemcp/servers/internal/servertest"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func connect(t *testing.T) *mcp.ClientSession {
	t.Helper()
	return servertest.Connect(t, New())
}

// scalar runs a one-value query through run_query.
func scalar(t *testing.T, cs *mcp.ClientSession, q string) float64 {
	t.Helper()
	out, _ := servertest.CallOK[queryOut](t, cs, "run_query", map[string]any{"sql": q})
	if len(out.Rows) != 1 || len(out.Columns) != 1 {
		t.Fatalf("%s: want one value, got %+v", q, out)
	}
	v, ok := out.Rows[0][out.Columns[0]].(float64)
	if !ok {
		t.Fatalf("%s: not a number: %#v", q, out.Rows[0])
	}
	return v
}

func TestToolsList(t *testing.T) {
	cs := connect(t)
	tools := servertest.CheckTools(t, cs)
	if len(tools) != 8 {
		t.Errorf("got %d tools, want 8", len(tools))
	}
	for _, tl := range tools {
		a := tl.Annotations
		write := map[string]bool{"insert_order": true, "update_inventory": true, "create_refund": true, "delete_customer": true}[tl.Name]
		if a.ReadOnlyHint == write {
			t.Errorf("%s: readOnlyHint = %v", tl.Name, a.ReadOnlyHint)
		}
		if got, want := *a.DestructiveHint, tl.Name == "delete_customer"; got != want {
			t.Errorf("%s: destructiveHint = %v, want %v", tl.Name, got, want)
		}
		if tl.Name == "update_inventory" && !a.IdempotentHint || tl.Name == "insert_order" && a.IdempotentHint {
			t.Errorf("%s: idempotentHint = %v", tl.Name, a.IdempotentHint)
		}
		if *a.OpenWorldHint {
			t.Errorf("%s: openWorldHint = true", tl.Name)
		}
	}
	servertest.ToolsGolden(t, tools)
}

func TestReadTools(t *testing.T) {
	cs := connect(t)
	tools := servertest.CheckTools(t, cs)
	var readTools []*mcp.Tool
	for _, tl := range tools {
		if tl.Annotations.ReadOnlyHint {
			readTools = append(readTools, tl)
		}
	}
	wantRows := map[string]int64{
		"regions": 6, "stores": numStores, "employees": numStores * staffPerStore, "categories": 12,
		"products": 240, "customers": numCustomers, "orders": numOrders, "inventory": numStores * 240,
	}
	servertest.CallAll(t, cs, readTools, []servertest.Case{
		{Tool: "list_tables", Args: map[string]any{}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[listTablesOut](t, raw)
			if len(out.Tables) != 10 {
				t.Fatalf("got %d tables, want 10", len(out.Tables))
			}
			var total int64
			for _, tb := range out.Tables {
				total += tb.RowCount
				if w, ok := wantRows[tb.Name]; ok && tb.RowCount != w {
					t.Errorf("%s has %d rows, want %d", tb.Name, tb.RowCount, w)
				}
				if tb.Description == "" {
					t.Errorf("%s: no description", tb.Name)
				}
			}
			if total < 10000 {
				t.Errorf("total rows %d < 10000", total)
			}
		}},
		{Tool: "describe_table", Args: map[string]any{"table": "orders"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[describeOut](t, raw)
			if out.RowCount != numOrders || len(out.Columns) != 8 || len(out.Sample.Rows) != 3 {
				t.Fatalf("describe orders = %d rows, %d columns, %d samples", out.RowCount, len(out.Columns), len(out.Sample.Rows))
			}
			if c := out.Columns[0]; c.Name != "order_id" || !c.PrimaryKey {
				t.Errorf("first column = %+v", c)
			}
			if c := out.Columns[1]; c.References != "customers(customer_id)" || !c.NotNull {
				t.Errorf("customer_id column = %+v", c)
			}
			if len(out.Indexes) != 2 || out.Sample.Rows[0]["order_id"] != float64(1) {
				t.Errorf("indexes %v, first sample %v", out.Indexes, out.Sample.Rows[0])
			}
		}},
		{Name: "run_query/count", Tool: "run_query", Args: map[string]any{"sql": "SELECT count(*) AS n FROM customers"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[queryOut](t, raw)
			if out.Rows[0]["n"] != float64(numCustomers) || out.Truncated {
				t.Errorf("count = %+v", out)
			}
		}},
		{Name: "run_query/limit", Tool: "run_query", Args: map[string]any{"sql": "SELECT customer_id, email FROM customers WHERE region_id = ? ORDER BY customer_id", "params": []any{2}, "limit": 5}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[queryOut](t, raw)
			if out.RowCount != 5 || !out.Truncated || len(out.Columns) != 2 || !strings.HasSuffix(out.Rows[0]["email"].(string), "@example.com") {
				t.Errorf("limited query = %+v", out)
			}
		}},
		{Name: "run_query/join-dup-columns", Tool: "run_query", Args: map[string]any{"sql": "SELECT s.name, r.name FROM stores s JOIN regions r USING (region_id) ORDER BY s.store_id LIMIT 2;"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[queryOut](t, raw)
			if strings.Join(out.Columns, ",") != "name,name_2" || out.Rows[0]["name_2"] != "Northeast" {
				t.Errorf("join = %+v", out)
			}
		}},
		{Tool: "explain_query", Args: map[string]any{"sql": "SELECT * FROM orders WHERE customer_id = 7"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[explainOut](t, raw)
			if !out.UsesIndex || len(out.FullScans) != 0 || !strings.Contains(out.PlanAsText, "orders_customer") {
				t.Errorf("plan = %+v", out)
			}
		}},
		{Name: "explain_query/scan", Tool: "explain_query", Args: map[string]any{"sql": "SELECT * FROM customers WHERE email LIKE '%x%'"}, Check: func(t *testing.T, raw []byte) {
			out := servertest.Decode[explainOut](t, raw)
			if len(out.FullScans) != 1 || out.FullScans[0] != "customers" {
				t.Errorf("plan = %+v", out)
			}
		}},
	})
}

// TestTotalsConsistent checks the generated orders against their lines: an
// order's total is the sum of its discounted line totals.
func TestTotalsConsistent(t *testing.T) {
	cs := connect(t)
	bad := scalar(t, cs, `SELECT count(*) FROM orders o WHERE abs(o.total - (SELECT sum(round(quantity*unit_price*(1-discount), 2)) FROM order_items i WHERE i.order_id = o.order_id)) > 0.011`)
	if bad != 0 {
		t.Errorf("%v orders disagree with their lines", bad)
	}
	if n := scalar(t, cs, "SELECT count(*) FROM order_items"); n < 5000 {
		t.Errorf("order_items = %v", n)
	}
}

func TestReadOnlyRefusals(t *testing.T) {
	cs := connect(t)
	before := scalar(t, cs, "SELECT count(*) FROM customers")
	for _, tc := range []struct{ sql, want string }{
		{"DELETE FROM customers", "only SELECT"},
		{"SELECT 1; DROP TABLE customers", "multiple statements"},
		{"SELECT 1; DROP TABLE x", "multiple statements"},
		{"ATTACH DATABASE '/tmp/evil.db' AS evil", "only SELECT"},
		{"PRAGMA writable_schema = 1", "only SELECT"},
		{"SELECT * FROM pragma_table_info('customers')", "query refused"},
		{"WITH d AS (SELECT 1) DELETE FROM customers", "DELETE"},
		{"select 1 /* ; */ ; delete from customers", "multiple statements"},
		{"SELECT 'unterminated", "unterminated"},
		{"   ", "empty query"},
		{"UPDATE inventory SET quantity = 0", "only SELECT"},
	} {
		servertest.CallErr(t, cs, "run_query", map[string]any{"sql": tc.sql}, tc.want)
	}
	servertest.CallErr(t, cs, "explain_query", map[string]any{"sql": "DELETE FROM customers"}, "only SELECT")
	if after := scalar(t, cs, "SELECT count(*) FROM customers"); after != before {
		t.Errorf("customers: %v rows before, %v after", before, after)
	}
	if n := scalar(t, cs, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"); n != 10 {
		t.Errorf("%v tables after refusals, want 10", n)
	}
	// Quoted keywords are data, not statements.
	if n := scalar(t, cs, "SELECT count(*) FROM customers WHERE last_name = 'DELETE; DROP'"); n != 0 {
		t.Errorf("quoted keyword query = %v", n)
	}
}

// TestReadConnectionRefusesWrites bypasses the lexical check to show that the
// read-only connection and its authorizer refuse writes on their own.
func TestReadConnectionRefusesWrites(t *testing.T) {
	ctx := context.Background()
	st := &store{timeout: time.Second}
	if err := st.ready(ctx); err != nil {
		t.Fatal(err)
	}
	defer st.close()
	for _, q := range []string{
		"DELETE FROM customers",
		"DROP TABLE customers",
		"PRAGMA writable_schema = 1",
		"PRAGMA query_only = 0",
		"ATTACH DATABASE '" + t.TempDir() + "/x.db' AS x",
		"CREATE TABLE x (a)",
		"UPDATE inventory SET quantity = 0",
	} {
		if _, err := st.ro.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: read connection accepted it", q)
		}
	}
	var n int
	if err := st.rw.QueryRowContext(ctx, "SELECT count(*) FROM customers").Scan(&n); err != nil || n != numCustomers {
		t.Errorf("customers = %d, %v", n, err)
	}
	if err := st.rw.QueryRowContext(ctx, "SELECT count(*) FROM inventory WHERE quantity = 0").Scan(&n); err != nil || n > 200 {
		t.Errorf("inventory zeroed: %d rows at 0, %v", n, err)
	}
}

func TestQueryTimeout(t *testing.T) {
	s, err := NewServer(context.Background(), Options{QueryTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cs := servertest.Connect(t, s)
	servertest.CallErr(t, cs, "run_query", map[string]any{
		"sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
	}, "timed out")
	// The pool still works afterwards.
	if n := scalar(t, cs, "SELECT count(*) FROM regions"); n != 6 {
		t.Errorf("regions = %v", n)
	}
}

func TestWrites(t *testing.T) {
	cs := connect(t)
	stock := func(store, product int) float64 {
		return scalar(t, cs, "SELECT quantity FROM inventory WHERE store_id = "+itoa(store)+" AND product_id = "+itoa(product))
	}
	// Pick an in-stock, not discontinued product at store 1.
	pick, _ := servertest.CallOK[queryOut](t, cs, "run_query", map[string]any{"sql": `SELECT p.product_id, p.unit_price, i.quantity FROM products p JOIN inventory i USING (product_id)
		WHERE i.store_id = 1 AND p.discontinued = 0 AND i.quantity >= 3 ORDER BY p.product_id LIMIT 1`})
	pid, price, qty := int(pick.Rows[0]["product_id"].(float64)), pick.Rows[0]["unit_price"].(float64), pick.Rows[0]["quantity"].(float64)

	order, _ := servertest.CallOK[insertOrderOut](t, cs, "insert_order", map[string]any{
		"customer_id": 1, "store_id": 1, "employee_id": 2, "items": []any{map[string]any{"product_id": pid, "quantity": 2}},
	})
	if order.OrderID != numOrders+1 || !servertest.Near(order.Total, 2*price, 0.005) || order.Status != "pending" || len(order.Lines) != 1 {
		t.Errorf("insert_order = %+v (price %v)", order, price)
	}
	if got := stock(1, pid); got != qty-2 {
		t.Errorf("stock after order = %v, want %v", got, qty-2)
	}
	if n := scalar(t, cs, "SELECT count(*) FROM order_items WHERE order_id = "+itoa(int(order.OrderID))); n != 1 {
		t.Errorf("order lines stored = %v", n)
	}
	// Out of stock: refused, nothing changes.
	servertest.CallErr(t, cs, "insert_order", map[string]any{
		"customer_id": 1, "store_id": 1, "items": []any{map[string]any{"product_id": pid, "quantity": 100}},
	}, "in stock")
	if n := scalar(t, cs, "SELECT count(*) FROM orders"); n != numOrders+1 {
		t.Errorf("orders after refused insert = %v", n)
	}
	servertest.CallErr(t, cs, "insert_order", map[string]any{"customer_id": 99999, "store_id": 1, "items": []any{map[string]any{"product_id": pid, "quantity": 1}}}, "valid ids are 1..2000")
	servertest.CallErr(t, cs, "insert_order", map[string]any{"customer_id": 1, "store_id": 1, "employee_id": 100, "items": []any{map[string]any{"product_id": pid, "quantity": 1}}}, "does not work at store 1")
	servertest.CallErr(t, cs, "insert_order", map[string]any{"customer_id": 1, "store_id": 1, "items": []any{}}, "items is empty")

	// update_inventory is idempotent.
	args := map[string]any{"store_id": 2, "product_id": 5, "quantity": 77, "reorder_level": 9}
	first, _ := servertest.CallOK[updateInvOut](t, cs, "update_inventory", args)
	second, _ := servertest.CallOK[updateInvOut](t, cs, "update_inventory", args)
	if first.Quantity != 77 || second.PreviousQuantity != 77 || second.Changed || second.ReorderLevel != 9 {
		t.Errorf("update_inventory: first %+v, second %+v", first, second)
	}
	if got := stock(2, 5); got != 77 {
		t.Errorf("stock = %v, want 77", got)
	}
	servertest.CallErr(t, cs, "update_inventory", map[string]any{"store_id": 99, "product_id": 5, "quantity": 1}, "store ids are 1..36")

	// create_refund on a delivered line, then an over-refund.
	line, _ := servertest.CallOK[queryOut](t, cs, "run_query", map[string]any{"sql": `SELECT oi.order_item_id, round(oi.quantity*oi.unit_price*(1-oi.discount), 2) AS total
		FROM order_items oi JOIN orders o USING (order_id) WHERE o.status = 'delivered'
		AND oi.order_item_id NOT IN (SELECT order_item_id FROM returns) ORDER BY 1 LIMIT 1`})
	item, lineTotal := line.Rows[0]["order_item_id"].(float64), line.Rows[0]["total"].(float64)
	ref, _ := servertest.CallOK[refundOut](t, cs, "create_refund", map[string]any{"order_item_id": item, "reason": "damaged", "amount": 1})
	if ref.RefundAmount != 1 || !servertest.Near(ref.Remaining, lineTotal-1, 0.005) {
		t.Errorf("refund = %+v, line total %v", ref, lineTotal)
	}
	servertest.CallErr(t, cs, "create_refund", map[string]any{"order_item_id": item, "reason": "damaged", "amount": lineTotal}, "remains refundable")
	servertest.CallErr(t, cs, "create_refund", map[string]any{"order_item_id": item, "reason": "bored"}, "reason")
	servertest.CallErr(t, cs, "create_refund", map[string]any{"order_item_id": order.Lines[0].OrderItemID, "reason": "damaged"}, "pending order")

	// delete_customer removes the customer and everything that hangs off them.
	orders := scalar(t, cs, "SELECT count(*) FROM orders WHERE customer_id = 3")
	items := scalar(t, cs, "SELECT count(*) FROM order_items JOIN orders USING (order_id) WHERE customer_id = 3")
	del, _ := servertest.CallOK[deleteCustOut](t, cs, "delete_customer", map[string]any{"customer_id": 3})
	if float64(del.OrdersDeleted) != orders || float64(del.OrderItemsDeleted) != items || del.Name == "" {
		t.Errorf("delete_customer = %+v, want %v orders %v items", del, orders, items)
	}
	if n := scalar(t, cs, "SELECT count(*) FROM customers WHERE customer_id = 3"); n != 0 {
		t.Error("customer 3 still exists")
	}
	if n := scalar(t, cs, "SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM customers)"); n != 0 {
		t.Errorf("%v orphaned orders", n)
	}
	servertest.CallErr(t, cs, "delete_customer", map[string]any{"customer_id": 3}, "already deleted")
}

func TestInvalidArguments(t *testing.T) {
	cs := connect(t)
	for _, tc := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"describe_table", map[string]any{"table": "users"}, []string{"unknown table", "customers", "order_items"}},
		{"describe_table", map[string]any{"table": "orders", "sample_rows": 500}, []string{"sample_rows"}},
		{"describe_table", map[string]any{}, []string{"table"}},
		{"run_query", map[string]any{"sql": "SELECT 1", "limit": 5000}, []string{"limit"}},
		{"run_query", map[string]any{"sql": "SELECT nope FROM customers"}, []string{"no such column", "describe_table"}},
		{"run_query", map[string]any{"sql": "SELECT * FROM users"}, []string{"no such table"}},
		{"insert_order", map[string]any{"customer_id": 1, "store_id": 1, "channel": "fax", "items": []any{}}, []string{"channel"}},
	} {
		servertest.CallErr(t, cs, tc.tool, tc.args, tc.want...)
	}
}

func TestFreshServersAgree(t *testing.T) {
	q := map[string]any{"sql": "SELECT * FROM orders ORDER BY total DESC LIMIT 20"}
	_, a := servertest.CallOK[json.RawMessage](t, connect(t), "run_query", q)
	_, b := servertest.CallOK[json.RawMessage](t, connect(t), "run_query", q)
	if string(a) != string(b) {
		t.Errorf("fresh servers differ:\n%s\n%s", a, b)
	}
}

func TestCheckReadOnly(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" means rejected
	}{
		{"SELECT 1", "SELECT 1"},
		{"select 1;", "select 1"},
		{"SELECT 1; -- trailing comment", "SELECT 1"},
		{"with x as (select 1) select * from x", "with x as (select 1) select * from x"},
		{"SELECT replace(name, 'a', 'b') FROM products", "SELECT replace(name, 'a', 'b') FROM products"},
		{"SELECT 'it''s; fine'", "SELECT 'it''s; fine'"},
		{`SELECT "delete" FROM t`, `SELECT "delete" FROM t`},
		{"SELECT 1;;", ""},
		{"SELECT 1; SELECT 2", ""},
		{"VALUES (1)", ""},
		{"REPLACE INTO t VALUES (1)", ""},
		{"SELECT 1 /* unterminated", ""},
		{"SELECT [x", ""},
	} {
		got, err := checkReadOnly(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("checkReadOnly(%q) accepted", tc.in)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("checkReadOnly(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzCheckReadOnly(f *testing.F) {
	for _, s := range []string{"SELECT 1", "SELECT 1; DROP TABLE x", "WITH a AS (SELECT 1) SELECT * FROM a", "SELECT 'x''y'", "/* c */ SELECT 1 -- d", "SELECT [a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		got, err := checkReadOnly(q)
		if err != nil {
			return
		}
		if !strings.HasPrefix(q, got) {
			t.Fatalf("accepted %q but returned %q, not a prefix", q, got)
		}
		if _, err := checkReadOnly(got); err != nil {
			t.Fatalf("accepted %q but not its trimmed form %q: %v", q, got, err)
		}
	})
}

func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		st := &store{timeout: time.Second}
		if err := st.ready(context.Background()); err != nil {
			b.Fatal(err)
		}
		st.close()
	}
}

func BenchmarkRunQuery(b *testing.B) {
	cs := servertest.Connect(b, New())
	args := map[string]any{"sql": "SELECT c.loyalty_tier, count(*), round(sum(o.total), 2) FROM orders o JOIN customers c USING (customer_id) GROUP BY 1"}
	servertest.CallOK[queryOut](b, cs, "run_query", args)
	for b.Loop() {
		servertest.CallOK[queryOut](b, cs, "run_query", args)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
