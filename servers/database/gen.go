package database

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// schemaSQL creates the retail schema. Amounts are REAL dollars rounded to
// cents; dates are ISO-8601 TEXT, as SQLite's date functions expect.
const schemaSQL = `
CREATE TABLE regions (
  region_id   INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  country     TEXT NOT NULL
);
CREATE TABLE stores (
  store_id    INTEGER PRIMARY KEY,
  region_id   INTEGER NOT NULL REFERENCES regions(region_id),
  name        TEXT NOT NULL,
  city        TEXT NOT NULL,
  opened_on   TEXT NOT NULL,
  square_feet INTEGER NOT NULL
);
CREATE TABLE employees (
  employee_id INTEGER PRIMARY KEY,
  store_id    INTEGER NOT NULL REFERENCES stores(store_id),
  manager_id  INTEGER REFERENCES employees(employee_id),
  first_name  TEXT NOT NULL,
  last_name   TEXT NOT NULL,
  role        TEXT NOT NULL,
  hired_on    TEXT NOT NULL,
  salary      REAL NOT NULL
);
CREATE TABLE categories (
  category_id INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  department  TEXT NOT NULL
);
CREATE TABLE products (
  product_id   INTEGER PRIMARY KEY,
  category_id  INTEGER NOT NULL REFERENCES categories(category_id),
  sku          TEXT NOT NULL UNIQUE,
  name         TEXT NOT NULL,
  unit_price   REAL NOT NULL,
  unit_cost    REAL NOT NULL,
  discontinued INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE customers (
  customer_id  INTEGER PRIMARY KEY,
  first_name   TEXT NOT NULL,
  last_name    TEXT NOT NULL,
  email        TEXT NOT NULL UNIQUE,
  city         TEXT NOT NULL,
  region_id    INTEGER NOT NULL REFERENCES regions(region_id),
  joined_on    TEXT NOT NULL,
  loyalty_tier TEXT NOT NULL CHECK (loyalty_tier IN ('bronze','silver','gold','platinum'))
);
CREATE TABLE orders (
  order_id    INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
  store_id    INTEGER NOT NULL REFERENCES stores(store_id),
  employee_id INTEGER REFERENCES employees(employee_id),
  ordered_on  TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('pending','shipped','delivered','cancelled')),
  channel     TEXT NOT NULL CHECK (channel IN ('in_store','online','phone')),
  total       REAL NOT NULL
);
CREATE TABLE order_items (
  order_item_id INTEGER PRIMARY KEY,
  order_id      INTEGER NOT NULL REFERENCES orders(order_id),
  product_id    INTEGER NOT NULL REFERENCES products(product_id),
  quantity      INTEGER NOT NULL CHECK (quantity > 0),
  unit_price    REAL NOT NULL,
  discount      REAL NOT NULL DEFAULT 0
);
CREATE TABLE inventory (
  store_id      INTEGER NOT NULL REFERENCES stores(store_id),
  product_id    INTEGER NOT NULL REFERENCES products(product_id),
  quantity      INTEGER NOT NULL CHECK (quantity >= 0),
  reorder_level INTEGER NOT NULL,
  updated_on    TEXT NOT NULL,
  PRIMARY KEY (store_id, product_id)
);
CREATE TABLE returns (
  return_id     INTEGER PRIMARY KEY,
  order_item_id INTEGER NOT NULL REFERENCES order_items(order_item_id),
  returned_on   TEXT NOT NULL,
  reason        TEXT NOT NULL,
  refund_amount REAL NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('requested','approved','refunded'))
);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_store_date ON orders(store_id, ordered_on);
CREATE INDEX order_items_order ON order_items(order_id);
CREATE INDEX order_items_product ON order_items(product_id);
CREATE INDEX returns_item ON returns(order_item_id);
CREATE INDEX customers_region ON customers(region_id);
`

// tableDocs describes each table for list_tables, in schema order.
var tableDocs = []struct{ name, doc string }{
	{"regions", "Sales regions; each store and customer belongs to one."},
	{"stores", "Retail stores with their region, city and opening date."},
	{"employees", "Store staff; manager_id points at the store manager."},
	{"categories", "Product categories grouped into departments."},
	{"products", "The catalogue: SKU, price, cost, and a discontinued flag."},
	{"customers", "Registered customers with home region and loyalty tier."},
	{"orders", "Orders with customer, store, date, status, channel and total."},
	{"order_items", "Order lines: product, quantity, unit price and discount."},
	{"inventory", "Stock on hand per store and product, with reorder level."},
	{"returns", "Returned order lines with reason and refund amount."},
}

// Sizes of the generated data set.
const (
	numStores      = 36
	numCustomers   = 2000
	numOrders      = 5000
	staffPerStore  = 12
	productsPerCat = 20
)

// BusinessDate is the dataset's "today": generated history ends the day
// before, and writes are stamped with it unless a date is given.
const BusinessDate = "2025-01-15"

var (
	regions = []struct{ name, country string }{
		{"Northeast", "USA"}, {"Southeast", "USA"}, {"Midwest", "USA"},
		{"Southwest", "USA"}, {"West", "USA"}, {"Canada", "Canada"},
	}
	regionCities = [][]string{
		{"Boston", "New York", "Philadelphia", "Hartford", "Providence", "Albany"},
		{"Atlanta", "Miami", "Charlotte", "Nashville", "Orlando", "Raleigh"},
		{"Chicago", "Detroit", "Minneapolis", "Columbus", "Milwaukee", "St. Louis"},
		{"Phoenix", "Dallas", "Houston", "Austin", "Albuquerque", "Tucson"},
		{"Seattle", "Portland", "San Francisco", "Los Angeles", "Denver", "San Diego"},
		{"Toronto", "Vancouver", "Montreal", "Calgary", "Ottawa", "Winnipeg"},
	}
	storeSuffixes = []string{"Downtown", "Mall", "Riverside", "Uptown", "Airport", "Outlet"}
	firstNames    = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
		"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Lisa",
		"Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Steven", "Emily", "Paul", "Michelle", "Andrew", "Amanda",
		"Joshua", "Melissa", "Kevin", "Deborah", "Brian", "Laura", "Priya", "Wei", "Carlos", "Fatima", "Hiroshi", "Olga",
		"Mateo", "Aisha", "Lucas", "Sofia"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
		"Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
		"Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Patel", "Chen", "Kim", "Tanaka",
		"Novak", "Silva", "Okafor", "Dubois", "Rossi", "Schmidt"}
	categories = []struct {
		name, dept string
		nouns      []string
		lo, hi     float64
	}{
		{"Laptops", "Electronics", []string{"Ultrabook", "Gaming Laptop", "Chromebook", "Workstation", "2-in-1 Laptop"}, 329, 2499},
		{"Phones", "Electronics", []string{"Smartphone", "Flip Phone", "Phone Case", "Screen Protector", "Charger"}, 9, 1199},
		{"Audio", "Electronics", []string{"Headphones", "Earbuds", "Bluetooth Speaker", "Soundbar", "Turntable"}, 19, 699},
		{"Kitchen", "Home", []string{"Blender", "Coffee Maker", "Toaster", "Air Fryer", "Knife Set"}, 15, 449},
		{"Furniture", "Home", []string{"Desk", "Office Chair", "Bookshelf", "Sofa", "Dining Table"}, 59, 1899},
		{"Bedding", "Home", []string{"Duvet", "Pillow", "Sheet Set", "Mattress Topper", "Throw Blanket"}, 12, 349},
		{"Running", "Sports", []string{"Running Shoes", "Running Jacket", "Water Bottle", "Sports Watch", "Socks"}, 8, 399},
		{"Camping", "Sports", []string{"Tent", "Sleeping Bag", "Camp Stove", "Headlamp", "Backpack"}, 14, 599},
		{"Cycling", "Sports", []string{"Road Bike", "Helmet", "Bike Lock", "Cycling Gloves", "Bike Light"}, 12, 1499},
		{"Toys", "Kids", []string{"Building Blocks", "Puzzle", "Board Game", "Plush Toy", "RC Car"}, 9, 149},
		{"Books", "Media", []string{"Cookbook", "Novel", "Travel Guide", "Biography", "Atlas"}, 8, 59},
		{"Video Games", "Media", []string{"Console", "Controller", "Strategy Game", "Racing Game", "Adventure Game"}, 19, 499},
	}
	brands      = []string{"Acme", "Northwind", "Contoso", "Globex", "Initech", "Umbrella", "Vandelay", "Stark", "Wayne", "Tyrell"}
	roles       = []string{"Sales Associate", "Sales Associate", "Sales Associate", "Cashier", "Cashier", "Stock Clerk", "Stock Clerk", "Customer Service", "Visual Merchandiser", "Shift Supervisor", "Assistant Manager"}
	tiers       = []string{"bronze", "bronze", "bronze", "silver", "silver", "gold", "platinum"}
	statuses    = []string{"delivered", "delivered", "delivered", "delivered", "shipped", "pending", "cancelled"}
	channels    = []string{"in_store", "in_store", "online", "online", "phone"}
	reasons     = []string{"damaged", "wrong_item", "not_as_described", "changed_mind", "late_delivery"}
	historyFrom = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
)

// historyDays is the number of days of generated order history.
var historyDays = int(time.Date(2025, 1, 14, 0, 0, 0, 0, time.UTC).Sub(historyFrom).Hours() / 24)

func day(n int) string { return historyFrom.AddDate(0, 0, n).Format(time.DateOnly) }

func cents(x float64) float64 { return math.Round(x*100) / 100 }

// generate fills an empty database with the deterministic data set, in one
// transaction with prepared statements.
func generate(ctx context.Context, db *sql.DB) (err error) {
	if _, err := db.ExecContext(ctx, schemaSQL); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	r := rand.New(rand.NewPCG(2025, 1))
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = tx.PrepareContext(ctx, q)
		return st
	}
	insRegion := prep(`INSERT INTO regions VALUES (?,?,?)`)
	insStore := prep(`INSERT INTO stores VALUES (?,?,?,?,?,?)`)
	insEmp := prep(`INSERT INTO employees VALUES (?,?,?,?,?,?,?,?)`)
	insCat := prep(`INSERT INTO categories VALUES (?,?,?)`)
	insProd := prep(`INSERT INTO products VALUES (?,?,?,?,?,?,?)`)
	insCust := prep(`INSERT INTO customers VALUES (?,?,?,?,?,?,?,?)`)
	insOrder := prep(`INSERT INTO orders VALUES (?,?,?,?,?,?,?,?)`)
	insItem := prep(`INSERT INTO order_items VALUES (?,?,?,?,?,?)`)
	insInv := prep(`INSERT INTO inventory VALUES (?,?,?,?,?)`)
	insRet := prep(`INSERT INTO returns VALUES (?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	exec := func(st *sql.Stmt, args ...any) {
		if err == nil {
			_, err = st.ExecContext(ctx, args...)
		}
	}

	for i, rg := range regions {
		exec(insRegion, i+1, rg.name, rg.country)
	}
	type store struct{ id, region int }
	var stores []store
	for i := range numStores {
		rg := i % len(regions)
		city := regionCities[rg][i/len(regions)]
		id := i + 1
		stores = append(stores, store{id, rg + 1})
		exec(insStore, id, rg+1, city+" "+storeSuffixes[(i*7)%len(storeSuffixes)], city,
			day(-365*(3+r.IntN(15))-r.IntN(365)), 8000+r.IntN(40)*1000)
	}
	empID := 0
	staff := map[int][]int{}
	for _, s := range stores {
		mgr := 0
		for j := range staffPerStore {
			empID++
			role, salary := roles[r.IntN(len(roles))], 31000+float64(r.IntN(24000))
			var manager any
			if j == 0 {
				role, salary, mgr = "Store Manager", 68000+float64(r.IntN(30000)), empID
			} else {
				manager = mgr
			}
			staff[s.id] = append(staff[s.id], empID)
			exec(insEmp, empID, s.id, manager, firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))],
				role, day(-r.IntN(3000)), salary)
		}
	}
	type product struct{ price float64 }
	var products []product
	pid := 0
	for ci, c := range categories {
		exec(insCat, ci+1, c.name, c.dept)
		for j := range productsPerCat {
			pid++
			noun := c.nouns[j%len(c.nouns)]
			brand := brands[(j*3+ci)%len(brands)]
			model := []string{"", " Pro", " Lite", " Max"}[j/len(c.nouns)]
			price := cents(c.lo + (c.hi-c.lo)*math.Pow(r.Float64(), 2))
			price = math.Floor(price) + 0.99
			products = append(products, product{price})
			exec(insProd, pid, ci+1, fmt.Sprintf("%s-%04d", strings.ToUpper(c.name[:3]), pid),
				brand+" "+noun+model, price, cents(price*(0.45+0.25*r.Float64())), boolInt(r.IntN(25) == 0))
		}
	}
	for s := range numStores {
		for p := range len(products) {
			exec(insInv, s+1, p+1, r.IntN(120), 5+r.IntN(20), day(historyDays-r.IntN(60)))
		}
	}
	custRegion := make([]int, numCustomers+1)
	for c := 1; c <= numCustomers; c++ {
		rg := r.IntN(len(regions))
		custRegion[c] = rg + 1
		fn, ln := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		exec(insCust, c, fn, ln, fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(fn), strings.ToLower(ln), c),
			regionCities[rg][r.IntN(6)], rg+1, day(r.IntN(historyDays)-400), tiers[r.IntN(len(tiers))])
	}
	itemID, retID := 0, 0
	storesByRegion := map[int][]int{}
	for _, s := range stores {
		storesByRegion[s.region] = append(storesByRegion[s.region], s.id)
	}
	for o := 1; o <= numOrders; o++ {
		cust := 1 + r.IntN(numCustomers)
		local := storesByRegion[custRegion[cust]]
		st := local[r.IntN(len(local))]
		d := r.IntN(historyDays)
		status := statuses[r.IntN(len(statuses))]
		if d > historyDays-10 && status == "delivered" {
			status = "shipped"
		}
		n := 1 + r.IntN(4)
		total := 0.0
		type line struct {
			id, product, qty int
			price, disc      float64
		}
		lines := make([]line, 0, n)
		seen := map[int]bool{}
		for len(lines) < n {
			p := r.IntN(len(products))
			if seen[p] {
				continue
			}
			seen[p] = true
			qty := 1 + r.IntN(3)
			disc := []float64{0, 0, 0, 0, 0.05, 0.1, 0.15, 0.2}[r.IntN(8)]
			itemID++
			lines = append(lines, line{itemID, p + 1, qty, products[p].price, disc})
			total += cents(float64(qty) * products[p].price * (1 - disc))
		}
		exec(insOrder, o, cust, st, staff[st][1+r.IntN(staffPerStore-1)], day(d), status,
			channels[r.IntN(len(channels))], cents(total))
		for _, l := range lines {
			exec(insItem, l.id, o, l.product, l.qty, l.price, l.disc)
			if status == "delivered" && r.IntN(30) == 0 {
				retID++
				exec(insRet, retID, l.id, day(min(d+3+r.IntN(25), historyDays)), reasons[r.IntN(len(reasons))],
					cents(float64(l.qty)*l.price*(1-l.disc)), []string{"requested", "approved", "refunded", "refunded"}[r.IntN(4)])
			}
		}
	}
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
