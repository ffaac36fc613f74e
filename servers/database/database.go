// Package database is a bundled MCP server over a real SQLite database of a
// fictional retail company (regions, stores, employees, categories,
// products, customers, orders, order_items, inventory, returns: about 30,000
// rows generated deterministically in memory).
//
// It mirrors the SQL-querying servers of MCP-Bench: schema discovery, a
// read-only query tool with a row limit and a timeout, query plans, and a
// few annotated write tools. run_query is kept read-only by three layers: a
// lexical check (one SELECT/WITH statement, no writing keyword), a separate
// connection opened with mode=ro and query_only, and an SQLite authorizer on
// that connection that allows only reads.
package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cemcp/cemcp/servers/internal/tooldef"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	sqlite "modernc.org/sqlite"
)

// Name is the server name users see.
const Name = "database"

// Summary is the one-line description for `cemcp servers list`.
const Summary = "SQLite retail database (10 tables, ~30k rows): schema, read-only SQL, query plans, orders and inventory writes"

// Options configure NewServer. The zero value is usable.
type Options struct {
	// QueryTimeout bounds run_query and explain_query; 0 means 5s.
	QueryTimeout time.Duration
}

// New returns the server with all tools registered. The database is built
// on the first tool call (in well under a second), so New never fails; a
// build error is reported as a tool error.
func New() *mcp.Server {
	return newServer(&store{timeout: 5 * time.Second})
}

// NewServer builds the database eagerly and returns the server, or the
// error that prevented building it.
func NewServer(ctx context.Context, opts Options) (*mcp.Server, error) {
	st := &store{timeout: opts.QueryTimeout}
	if st.timeout <= 0 {
		st.timeout = 5 * time.Second
	}
	if err := st.ready(ctx); err != nil {
		return nil, err
	}
	return newServer(st), nil
}

func newServer(st *store) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Retail database", Version: "v1.0.0"}, &mcp.ServerOptions{
		Instructions: "A retail company's SQLite database. Start with list_tables and describe_table, then run_query (read-only SELECT). Dates are 'YYYY-MM-DD' text; today is " + BusinessDate + ".",
	})
	st.register(s)
	// Close the in-memory database when the server is garbage collected.
	runtime.AddCleanup(s, func(st *store) { st.close() }, st)
	return s
}

// store owns the two connection pools to one in-memory database.
type store struct {
	timeout time.Duration

	once sync.Once
	err  error
	rw   *sql.DB // one connection: generation and the write tools
	ro   *sql.DB // read-only, authorizer-restricted: run_query, explain_query
}

var dbSeq atomic.Int64

// roDriver opens the read-only connections; every connection it opens gets
// the read-only authorizer.
var roDriver = func() *sqlite.Driver {
	d := &sqlite.Driver{}
	d.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		a, ok := c.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("sqlite connection has no authorizer")
		}
		return a.RegisterAuthorizer(readOnlyAuthorizer)
	})
	return d
}()

// readOnlyAuthorizer allows reading tables and calling functions, and
// denies everything else (writes, DDL, PRAGMA, ATTACH, transactions).
func readOnlyAuthorizer(action sqlite.AuthorizerActionCode, _, _, _, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	}
	return sqlite.AuthorizerDeny
}

type connector struct {
	d   *sqlite.Driver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }

// ready builds the database once.
func (st *store) ready(ctx context.Context) error {
	st.once.Do(func() { st.err = st.build(context.WithoutCancel(ctx)) })
	return st.err
}

func (st *store) build(ctx context.Context) error {
	// A memdb database lives as long as one connection to it is open, is
	// shared by name within the process, and never touches the disk.
	name := fmt.Sprintf("/cemcp-retail-%d-%d", os.Getpid(), dbSeq.Add(1))
	rw, err := sql.Open("sqlite", "file:"+name+"?vfs=memdb&_foreign_keys=1&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	rw.SetMaxOpenConns(1)
	rw.SetConnMaxLifetime(0)
	rw.SetConnMaxIdleTime(0)
	if err := generate(ctx, rw); err != nil {
		rw.Close()
		return fmt.Errorf("generate data: %w", err)
	}
	ro := sql.OpenDB(connector{roDriver, "file:" + name + "?vfs=memdb&mode=ro&_query_only=1&_defensive=1"})
	ro.SetMaxOpenConns(4)
	if err := ro.PingContext(ctx); err != nil {
		rw.Close()
		return fmt.Errorf("open read-only connection: %w", err)
	}
	st.rw, st.ro = rw, ro
	return nil
}

func (st *store) close() {
	if st.ro != nil {
		st.ro.Close()
	}
	if st.rw != nil {
		st.rw.Close()
	}
}

// ---- shared result types ----

// Column describes one table column.
type Column struct {
	Name       string `json:"name" jsonschema:"column name"`
	Type       string `json:"type" jsonschema:"declared SQLite type"`
	NotNull    bool   `json:"not_null" jsonschema:"true if NULL is rejected"`
	PrimaryKey bool   `json:"primary_key" jsonschema:"true if part of the primary key"`
	Default    string `json:"default,omitempty" jsonschema:"default value expression, if any"`
	References string `json:"references,omitempty" jsonschema:"foreign key target as table(column), if any"`
}

// Rows is a tabular result: column names in order, and one object per row.
type Rows struct {
	Columns []string         `json:"columns" jsonschema:"column names in result order (duplicates get a _2, _3 suffix)"`
	Rows    []map[string]any `json:"rows" jsonschema:"one object per row keyed by column name"`
}

// ---- tool inputs and outputs ----

type listTablesIn struct{}

// TableInfo summarizes one table.
type TableInfo struct {
	Name        string `json:"name" jsonschema:"table name"`
	Description string `json:"description" jsonschema:"what the table holds"`
	RowCount    int64  `json:"row_count" jsonschema:"current number of rows"`
}

type listTablesOut struct {
	Tables []TableInfo `json:"tables" jsonschema:"all tables in schema order"`
}

type describeIn struct {
	Table      string `json:"table" jsonschema:"table name, as listed by list_tables"`
	SampleRows int    `json:"sample_rows,omitempty" jsonschema:"number of sample rows to include (first rows by primary key)" minimum:"0" maximum:"20" default:"3"`
}

type describeOut struct {
	Table    string   `json:"table" jsonschema:"table name"`
	RowCount int64    `json:"row_count" jsonschema:"number of rows"`
	Columns  []Column `json:"columns" jsonschema:"columns in declaration order"`
	Indexes  []string `json:"indexes" jsonschema:"CREATE INDEX statements on the table"`
	Sample   Rows     `json:"sample" jsonschema:"first rows of the table"`
}

type queryIn struct {
	SQL    string `json:"sql" jsonschema:"one SQLite SELECT (or WITH ... SELECT) statement; use ? placeholders with params" minLength:"1" maxLength:"20000"`
	Params []any  `json:"params,omitempty" jsonschema:"values bound to the ? placeholders in order (strings, numbers, booleans or null)"`
	Limit  int    `json:"limit,omitempty" jsonschema:"maximum rows to return; truncated is true when more exist" minimum:"1" maximum:"1000" default:"100"`
}

type queryOut struct {
	Columns   []string         `json:"columns" jsonschema:"column names in result order (duplicates get a _2, _3 suffix)"`
	Rows      []map[string]any `json:"rows" jsonschema:"one object per row keyed by column name"`
	RowCount  int              `json:"row_count" jsonschema:"number of rows returned"`
	Truncated bool             `json:"truncated" jsonschema:"true if the query produced more rows than limit"`
}

type explainIn struct {
	SQL string `json:"sql" jsonschema:"the SELECT statement to explain; it is planned, not run" minLength:"1" maxLength:"20000"`
}

// PlanStep is one node of EXPLAIN QUERY PLAN output.
type PlanStep struct {
	ID     int64  `json:"id" jsonschema:"node id"`
	Parent int64  `json:"parent" jsonschema:"parent node id (0 for top level)"`
	Detail string `json:"detail" jsonschema:"plan step, e.g. SEARCH orders USING INDEX ..."`
}

type explainOut struct {
	Plan       []PlanStep `json:"plan" jsonschema:"query plan nodes in order"`
	UsesIndex  bool       `json:"uses_index" jsonschema:"true if some step uses an index"`
	FullScans  []string   `json:"full_scans" jsonschema:"tables read by a full scan"`
	PlanAsText string     `json:"plan_text" jsonschema:"the plan as an indented tree"`
}

// OrderLine is one requested line of insert_order.
type OrderLine struct {
	ProductID int64 `json:"product_id" jsonschema:"product to order" minimum:"1"`
	Quantity  int64 `json:"quantity" jsonschema:"units to order" minimum:"1" maximum:"100"`
}

type insertOrderIn struct {
	CustomerID int64       `json:"customer_id" jsonschema:"ordering customer" minimum:"1"`
	StoreID    int64       `json:"store_id" jsonschema:"fulfilling store; its inventory is decremented" minimum:"1"`
	EmployeeID int64       `json:"employee_id,omitempty" jsonschema:"salesperson (an employee of that store); omit for online orders" minimum:"1"`
	Channel    string      `json:"channel,omitempty" jsonschema:"sales channel" enum:"in_store,online,phone" default:"\"online\""`
	Items      []OrderLine `json:"items" jsonschema:"order lines; each product at most once" maxItems:"50"`
}

// PricedLine is an order line as stored.
type PricedLine struct {
	OrderItemID int64   `json:"order_item_id" jsonschema:"new order_items row id"`
	ProductID   int64   `json:"product_id" jsonschema:"product"`
	Name        string  `json:"name" jsonschema:"product name"`
	Quantity    int64   `json:"quantity" jsonschema:"units"`
	UnitPrice   float64 `json:"unit_price" jsonschema:"current list price"`
	LineTotal   float64 `json:"line_total" jsonschema:"quantity × unit_price"`
}

type insertOrderOut struct {
	OrderID   int64        `json:"order_id" jsonschema:"new order id"`
	OrderedOn string       `json:"ordered_on" jsonschema:"order date (the business date)"`
	Status    string       `json:"status" jsonschema:"always pending for new orders"`
	Total     float64      `json:"total" jsonschema:"order total"`
	Lines     []PricedLine `json:"lines" jsonschema:"the stored order lines"`
}

type updateInvIn struct {
	StoreID      int64 `json:"store_id" jsonschema:"store" minimum:"1"`
	ProductID    int64 `json:"product_id" jsonschema:"product" minimum:"1"`
	Quantity     int64 `json:"quantity" jsonschema:"new absolute stock on hand (not a delta)" minimum:"0" maximum:"100000"`
	ReorderLevel int64 `json:"reorder_level,omitempty" jsonschema:"new reorder level; omit to keep the current one" minimum:"0" maximum:"10000"`
}

type updateInvOut struct {
	StoreID          int64 `json:"store_id" jsonschema:"store"`
	ProductID        int64 `json:"product_id" jsonschema:"product"`
	PreviousQuantity int64 `json:"previous_quantity" jsonschema:"stock before the update"`
	Quantity         int64 `json:"quantity" jsonschema:"stock after the update"`
	ReorderLevel     int64 `json:"reorder_level" jsonschema:"reorder level after the update"`
	Changed          bool  `json:"changed" jsonschema:"false if the row already had these values"`
}

type refundIn struct {
	OrderItemID int64   `json:"order_item_id" jsonschema:"the order line being returned" minimum:"1"`
	Reason      string  `json:"reason" jsonschema:"return reason" enum:"damaged,wrong_item,not_as_described,changed_mind,late_delivery"`
	Amount      float64 `json:"amount,omitempty" jsonschema:"refund amount; omit to refund what remains of the line total" minimum:"0"`
}

type refundOut struct {
	ReturnID     int64   `json:"return_id" jsonschema:"new returns row id"`
	OrderItemID  int64   `json:"order_item_id" jsonschema:"returned order line"`
	RefundAmount float64 `json:"refund_amount" jsonschema:"amount refunded"`
	Remaining    float64 `json:"remaining_refundable" jsonschema:"line total not yet refunded"`
	Status       string  `json:"status" jsonschema:"always approved"`
}

type deleteCustIn struct {
	CustomerID int64 `json:"customer_id" jsonschema:"customer to delete with all their orders, order lines and returns" minimum:"1"`
}

type deleteCustOut struct {
	CustomerID        int64  `json:"customer_id" jsonschema:"deleted customer"`
	Name              string `json:"name" jsonschema:"deleted customer's name"`
	OrdersDeleted     int64  `json:"orders_deleted" jsonschema:"orders removed"`
	OrderItemsDeleted int64  `json:"order_items_deleted" jsonschema:"order lines removed"`
	ReturnsDeleted    int64  `json:"returns_deleted" jsonschema:"returns removed"`
}

func (st *store) register(s *mcp.Server) {
	tooldef.Add(s, tooldef.ReadOnly, "list_tables", "List tables",
		"List every table in the retail database with a one-line description and its current row count. Start here, then call describe_table.",
		st.listTables)
	tooldef.Add(s, tooldef.ReadOnly, "describe_table", "Describe table",
		"Show a table's columns (type, NOT NULL, primary key, default, foreign key), its indexes, row count and a few sample rows.",
		st.describeTable)
	tooldef.Add(s, tooldef.ReadOnly, "run_query", "Run read-only SQL",
		"Run one read-only SQLite SELECT (or WITH ... SELECT) statement and return column names and rows as objects. At most limit rows are returned and truncated tells whether more exist. Writes, PRAGMA, ATTACH and multiple statements are refused; queries time out after a few seconds.",
		st.runQuery)
	tooldef.Add(s, tooldef.ReadOnly, "explain_query", "Explain query plan",
		"Show SQLite's EXPLAIN QUERY PLAN for a SELECT statement without running it: the plan tree, whether an index is used, and which tables are fully scanned.",
		st.explainQuery)
	tooldef.Add(s, tooldef.Additive, "insert_order", "Place an order",
		"Create a pending order for a customer at a store, priced at current list prices, and decrement that store's inventory. Fails without changing anything if a product is discontinued or out of stock.",
		st.insertOrder)
	tooldef.Add(s, tooldef.IdempotentWrite, "update_inventory", "Set inventory level",
		"Set the absolute stock on hand (and optionally the reorder level) of one product at one store. Repeating the call with the same values changes nothing.",
		st.updateInventory)
	tooldef.Add(s, tooldef.Additive, "create_refund", "Refund an order line",
		"Record an approved return and refund for one delivered order line. The refund defaults to what remains refundable of the line total; refunds can never exceed it.",
		st.createRefund)
	tooldef.Add(s, tooldef.Destructive, "delete_customer", "Delete customer",
		"Permanently delete a customer together with all their orders, order lines and returns. This cannot be undone.",
		st.deleteCustomer)
}

func (st *store) listTables(ctx context.Context, _ *mcp.CallToolRequest, _ listTablesIn) (*mcp.CallToolResult, listTablesOut, error) {
	var out listTablesOut
	if err := st.ready(ctx); err != nil {
		return nil, out, err
	}
	for _, t := range tableDocs {
		n, err := st.count(ctx, t.name)
		if err != nil {
			return nil, out, err
		}
		out.Tables = append(out.Tables, TableInfo{t.name, t.doc, n})
	}
	return nil, out, nil
}

func (st *store) count(ctx context.Context, table string) (int64, error) {
	var n int64
	// table is one of tableDocs, never user text.
	if err := st.rw.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

func tableNames() []string {
	var names []string
	for _, t := range tableDocs {
		names = append(names, t.name)
	}
	return names
}

func (st *store) describeTable(ctx context.Context, _ *mcp.CallToolRequest, in describeIn) (*mcp.CallToolResult, describeOut, error) {
	out := describeOut{Table: in.Table}
	if err := st.ready(ctx); err != nil {
		return nil, out, err
	}
	if !slices.Contains(tableNames(), in.Table) {
		return nil, out, fmt.Errorf("unknown table %q; tables are: %s", in.Table, strings.Join(tableNames(), ", "))
	}
	t := in.Table
	fks := map[string]string{}
	rows, err := st.rw.QueryContext(ctx, `SELECT "from", "table", "to" FROM pragma_foreign_key_list(?)`, t)
	if err != nil {
		return nil, out, fmt.Errorf("foreign keys of %s: %w", t, err)
	}
	for rows.Next() {
		var from, table, to string
		if err := rows.Scan(&from, &table, &to); err != nil {
			rows.Close()
			return nil, out, err
		}
		fks[from] = table + "(" + to + ")"
	}
	rows.Close()
	rows, err = st.rw.QueryContext(ctx, `SELECT name, type, "notnull", coalesce(dflt_value, ''), pk FROM pragma_table_info(?) ORDER BY cid`, t)
	if err != nil {
		return nil, out, fmt.Errorf("columns of %s: %w", t, err)
	}
	for rows.Next() {
		var c Column
		var pk int
		if err := rows.Scan(&c.Name, &c.Type, &c.NotNull, &c.Default, &pk); err != nil {
			rows.Close()
			return nil, out, err
		}
		c.PrimaryKey = pk > 0
		c.References = fks[c.Name]
		out.Columns = append(out.Columns, c)
	}
	rows.Close()
	rows, err = st.rw.QueryContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`, t)
	if err != nil {
		return nil, out, fmt.Errorf("indexes of %s: %w", t, err)
	}
	out.Indexes = []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, out, err
		}
		out.Indexes = append(out.Indexes, s)
	}
	rows.Close()
	if out.RowCount, err = st.count(ctx, t); err != nil {
		return nil, out, err
	}
	r, err := st.rw.QueryContext(ctx, `SELECT * FROM "`+t+`" ORDER BY rowid LIMIT ?`, in.SampleRows)
	if err != nil {
		return nil, out, fmt.Errorf("sample %s: %w", t, err)
	}
	defer r.Close()
	out.Sample, _, err = scanRows(r, in.SampleRows)
	return nil, out, err
}

// scanRows reads at most limit rows and reports whether more were available.
func scanRows(r *sql.Rows, limit int) (Rows, bool, error) {
	cols, err := r.Columns()
	if err != nil {
		return Rows{}, false, err
	}
	names := make([]string, len(cols))
	seen := map[string]int{}
	for i, c := range cols {
		seen[c]++
		names[i] = c
		if n := seen[c]; n > 1 {
			names[i] = fmt.Sprintf("%s_%d", c, n)
		}
	}
	out := Rows{Columns: names, Rows: []map[string]any{}}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	more := false
	for r.Next() {
		if len(out.Rows) == limit {
			more = true
			break
		}
		if err := r.Scan(ptrs...); err != nil {
			return out, false, err
		}
		row := make(map[string]any, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			row[names[i]] = v
		}
		out.Rows = append(out.Rows, row)
	}
	return out, more, r.Err()
}

// queryError turns a driver error into a message for the model.
func (st *store) queryError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "interrupted") {
		return fmt.Errorf("query timed out after %s; add WHERE conditions or a LIMIT, or check the plan with explain_query", st.timeout)
	}
	msg := err.Error()
	if strings.Contains(msg, "not authorized") || strings.Contains(msg, "readonly") {
		return fmt.Errorf("query refused: it would modify the database or use a disallowed feature (%v)", err)
	}
	return fmt.Errorf("query failed: %v; call describe_table to check table and column names", err)
}

func (st *store) runQuery(ctx context.Context, _ *mcp.CallToolRequest, in queryIn) (*mcp.CallToolResult, queryOut, error) {
	var out queryOut
	if err := st.ready(ctx); err != nil {
		return nil, out, err
	}
	q, err := checkReadOnly(in.SQL)
	if err != nil {
		return nil, out, err
	}
	if in.Limit <= 0 {
		in.Limit = 100
	}
	ctx, cancel := context.WithTimeout(ctx, st.timeout)
	defer cancel()
	r, err := st.ro.QueryContext(ctx, q, in.Params...)
	if err != nil {
		return nil, out, st.queryError(ctx, err)
	}
	defer r.Close()
	rows, more, err := scanRows(r, in.Limit)
	if err != nil {
		return nil, out, st.queryError(ctx, err)
	}
	out.Columns, out.Rows, out.RowCount, out.Truncated = rows.Columns, rows.Rows, len(rows.Rows), more
	return nil, out, nil
}

func (st *store) explainQuery(ctx context.Context, _ *mcp.CallToolRequest, in explainIn) (*mcp.CallToolResult, explainOut, error) {
	var out explainOut
	if err := st.ready(ctx); err != nil {
		return nil, out, err
	}
	q, err := checkReadOnly(in.SQL)
	if err != nil {
		return nil, out, err
	}
	ctx, cancel := context.WithTimeout(ctx, st.timeout)
	defer cancel()
	r, err := st.ro.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q)
	if err != nil {
		return nil, out, st.queryError(ctx, err)
	}
	defer r.Close()
	depth := map[int64]int{}
	var text strings.Builder
	out.FullScans = []string{}
	for r.Next() {
		var p PlanStep
		var unused int64
		if err := r.Scan(&p.ID, &p.Parent, &unused, &p.Detail); err != nil {
			return nil, out, st.queryError(ctx, err)
		}
		out.Plan = append(out.Plan, p)
		depth[p.ID] = depth[p.Parent] + 1
		fmt.Fprintf(&text, "%s%s\n", strings.Repeat("  ", depth[p.ID]-1), p.Detail)
		if strings.Contains(p.Detail, "USING INDEX") || strings.Contains(p.Detail, "USING COVERING INDEX") || strings.Contains(p.Detail, "PRIMARY KEY") {
			out.UsesIndex = true
		}
		if rest, ok := strings.CutPrefix(p.Detail, "SCAN "); ok && !strings.Contains(rest, "INDEX") {
			tbl, _, _ := strings.Cut(rest, " ")
			out.FullScans = append(out.FullScans, tbl)
		}
	}
	if err := r.Err(); err != nil {
		return nil, out, st.queryError(ctx, err)
	}
	out.PlanAsText = text.String()
	return nil, out, nil
}

func (st *store) insertOrder(ctx context.Context, _ *mcp.CallToolRequest, in insertOrderIn) (_ *mcp.CallToolResult, out insertOrderOut, err error) {
	if err := st.ready(ctx); err != nil {
		return nil, out, err
	}
	if len(in.Items) == 0 {
		return nil, out, errors.New("items is empty: give at least one {product_id, quantity}")
	}
	if in.Channel == "" {
		in.Channel = "online"
	}
	tx, err := st.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, out, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := exists(ctx, tx, "customers", "customer_id", in.CustomerID); err != nil {
		return nil, out, err
	}
	if err := exists(ctx, tx, "stores", "store_id", in.StoreID); err != nil {
		return nil, out, err
	}
	var employee any
	if in.EmployeeID != 0 {
		var store int64
		if err := tx.QueryRowContext(ctx, `SELECT store_id FROM employees WHERE employee_id = ?`, in.EmployeeID).Scan(&store); err != nil || store != in.StoreID {
			return nil, out, fmt.Errorf("employee_id %d does not work at store %d; list staff with run_query: SELECT employee_id, first_name, last_name FROM employees WHERE store_id = %d", in.EmployeeID, in.StoreID, in.StoreID)
		}
		employee = in.EmployeeID
	}
	seen := map[int64]bool{}
	out.Lines = []PricedLine{}
	for _, it := range in.Items {
		if seen[it.ProductID] {
			return nil, out, fmt.Errorf("product_id %d appears twice; merge the lines", it.ProductID)
		}
		seen[it.ProductID] = true
		var l PricedLine
		var disc bool
		var stock int64
		err := tx.QueryRowContext(ctx, `SELECT p.name, p.unit_price, p.discontinued, coalesce(i.quantity, 0)
			FROM products p LEFT JOIN inventory i ON i.product_id = p.product_id AND i.store_id = ?
			WHERE p.product_id = ?`, in.StoreID, it.ProductID).Scan(&l.Name, &l.UnitPrice, &disc, &stock)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, out, fmt.Errorf("no product with product_id %d; products have ids 1..%d", it.ProductID, len(categories)*productsPerCat)
		}
		if err != nil {
			return nil, out, fmt.Errorf("look up product %d: %w", it.ProductID, err)
		}
		if disc {
			return nil, out, fmt.Errorf("product %d (%s) is discontinued", it.ProductID, l.Name)
		}
		if stock < it.Quantity {
			return nil, out, fmt.Errorf("store %d has only %d of product %d (%s) in stock, %d requested", in.StoreID, stock, it.ProductID, l.Name, it.Quantity)
		}
		l.ProductID, l.Quantity = it.ProductID, it.Quantity
		l.LineTotal = cents(float64(it.Quantity) * l.UnitPrice)
		out.Total = cents(out.Total + l.LineTotal)
		out.Lines = append(out.Lines, l)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO orders (customer_id, store_id, employee_id, ordered_on, status, channel, total) VALUES (?,?,?,?,?,?,?)`,
		in.CustomerID, in.StoreID, employee, BusinessDate, "pending", in.Channel, out.Total)
	if err != nil {
		return nil, out, fmt.Errorf("insert order: %w", err)
	}
	out.OrderID, _ = res.LastInsertId()
	for i := range out.Lines {
		l := &out.Lines[i]
		res, err := tx.ExecContext(ctx, `INSERT INTO order_items (order_id, product_id, quantity, unit_price, discount) VALUES (?,?,?,?,0)`,
			out.OrderID, l.ProductID, l.Quantity, l.UnitPrice)
		if err != nil {
			return nil, out, fmt.Errorf("insert order line: %w", err)
		}
		l.OrderItemID, _ = res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `UPDATE inventory SET quantity = quantity - ?, updated_on = ? WHERE store_id = ? AND product_id = ?`,
			l.Quantity, BusinessDate, in.StoreID, l.ProductID); err != nil {
			return nil, out, fmt.Errorf("decrement inventory: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, out, fmt.Errorf("commit: %w", err)
	}
	out.OrderedOn, out.Status = BusinessDate, "pending"
	return nil, out, nil
}

// exists reports a helpful error if table has no row with col = id.
func exists(ctx context.Context, tx *sql.Tx, table, col string, id int64) error {
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE `+col+` = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("look up %s %d: %w", col, id, err)
	}
	if n == 0 {
		var max int64
		_ = tx.QueryRowContext(ctx, `SELECT coalesce(max(`+col+`), 0) FROM `+table).Scan(&max)
		return fmt.Errorf("no %s row with %s %d; valid ids are 1..%d", strings.TrimSuffix(table, "s"), col, id, max)
	}
	return nil
}

func (st *store) updateInventory(ctx context.Context, _ *mcp.CallToolRequest, in updateInvIn) (_ *mcp.CallToolResult, out updateInvOut, err error) {
	if err := st.ready(ctx); err != nil {
		return nil, out, err
	}
	tx, err := st.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, out, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	out.StoreID, out.ProductID = in.StoreID, in.ProductID
	err = tx.QueryRowContext(ctx, `SELECT quantity, reorder_level FROM inventory WHERE store_id = ? AND product_id = ?`,
		in.StoreID, in.ProductID).Scan(&out.PreviousQuantity, &out.ReorderLevel)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, out, fmt.Errorf("no inventory row for store_id %d and product_id %d; store ids are 1..%d and product ids 1..%d",
			in.StoreID, in.ProductID, numStores, len(categories)*productsPerCat)
	}
	if err != nil {
		return nil, out, fmt.Errorf("read inventory: %w", err)
	}
	prevReorder := out.ReorderLevel
	if in.ReorderLevel > 0 {
		out.ReorderLevel = in.ReorderLevel
	}
	out.Quantity = in.Quantity
	out.Changed = out.Quantity != out.PreviousQuantity || out.ReorderLevel != prevReorder
	if out.Changed {
		if _, err := tx.ExecContext(ctx, `UPDATE inventory SET quantity = ?, reorder_level = ?, updated_on = ? WHERE store_id = ? AND product_id = ?`,
			out.Quantity, out.ReorderLevel, BusinessDate, in.StoreID, in.ProductID); err != nil {
			return nil, out, fmt.Errorf("update inventory: %w", err)
		}
	}
	return nil, out, tx.Commit()
}

func (st *store) createRefund(ctx context.Context, _ *mcp.CallToolRequest, in refundIn) (_ *mcp.CallToolResult, out refundOut, err error) {
	if err := st.ready(ctx); err != nil {
		return nil, out, err
	}
	tx, err := st.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, out, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var status string
	var lineTotal, refunded float64
	err = tx.QueryRowContext(ctx, `SELECT o.status, round(oi.quantity * oi.unit_price * (1 - oi.discount), 2),
		coalesce((SELECT sum(refund_amount) FROM returns r WHERE r.order_item_id = oi.order_item_id), 0)
		FROM order_items oi JOIN orders o USING (order_id) WHERE oi.order_item_id = ?`, in.OrderItemID).Scan(&status, &lineTotal, &refunded)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, out, fmt.Errorf("no order line with order_item_id %d; find lines with run_query on order_items", in.OrderItemID)
	}
	if err != nil {
		return nil, out, fmt.Errorf("read order line: %w", err)
	}
	if status != "delivered" {
		return nil, out, fmt.Errorf("order line %d belongs to a %s order; only delivered orders can be refunded", in.OrderItemID, status)
	}
	remaining := cents(lineTotal - refunded)
	amount := in.Amount
	if amount == 0 {
		amount = remaining
	}
	if amount <= 0 || amount > remaining+1e-9 {
		return nil, out, fmt.Errorf("refund %.2f is not possible: %.2f of the line total %.2f remains refundable", amount, remaining, lineTotal)
	}
	amount = cents(amount)
	res, err := tx.ExecContext(ctx, `INSERT INTO returns (order_item_id, returned_on, reason, refund_amount, status) VALUES (?,?,?,?, 'approved')`,
		in.OrderItemID, BusinessDate, in.Reason, amount)
	if err != nil {
		return nil, out, fmt.Errorf("insert return: %w", err)
	}
	out.ReturnID, _ = res.LastInsertId()
	out.OrderItemID, out.RefundAmount, out.Remaining, out.Status = in.OrderItemID, amount, cents(remaining-amount), "approved"
	return nil, out, tx.Commit()
}

func (st *store) deleteCustomer(ctx context.Context, _ *mcp.CallToolRequest, in deleteCustIn) (_ *mcp.CallToolResult, out deleteCustOut, err error) {
	if err := st.ready(ctx); err != nil {
		return nil, out, err
	}
	tx, err := st.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, out, fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	err = tx.QueryRowContext(ctx, `SELECT first_name || ' ' || last_name FROM customers WHERE customer_id = ?`, in.CustomerID).Scan(&out.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, out, fmt.Errorf("no customer with customer_id %d (already deleted, or never existed)", in.CustomerID)
	}
	if err != nil {
		return nil, out, fmt.Errorf("read customer: %w", err)
	}
	out.CustomerID = in.CustomerID
	steps := []struct {
		n *int64
		q string
	}{
		{&out.ReturnsDeleted, `DELETE FROM returns WHERE order_item_id IN (SELECT order_item_id FROM order_items JOIN orders USING (order_id) WHERE customer_id = ?)`},
		{&out.OrderItemsDeleted, `DELETE FROM order_items WHERE order_id IN (SELECT order_id FROM orders WHERE customer_id = ?)`},
		{&out.OrdersDeleted, `DELETE FROM orders WHERE customer_id = ?`},
		{new(int64), `DELETE FROM customers WHERE customer_id = ?`},
	}
	for _, s := range steps {
		res, err := tx.ExecContext(ctx, s.q, in.CustomerID)
		if err != nil {
			return nil, out, fmt.Errorf("delete customer %d: %w", in.CustomerID, err)
		}
		*s.n, _ = res.RowsAffected()
	}
	return nil, out, tx.Commit()
}
