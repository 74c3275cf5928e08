-- The demo shop: `tracegate demo` runs these statements at start, docker compose runs them once.
-- Idempotent; statements end with a semicolon at the end of a line.
CREATE TABLE IF NOT EXISTS demo_orders (id int PRIMARY KEY, item text NOT NULL, zip text NOT NULL, total numeric(10,2) NOT NULL);
CREATE TABLE IF NOT EXISTS stock (sku text PRIMARY KEY, order_id int, qty int NOT NULL);
INSERT INTO demo_orders VALUES (1, 'espresso machine', '10115', 249.00), (2, 'grinder', '80331', 89.90),
  (3, 'milk jug', '20095', 12.50) ON CONFLICT (id) DO NOTHING;
INSERT INTO stock VALUES ('ESP-1', 1, 4), ('BEAN-250', 1, 120), ('GRD-7', 2, 9), ('JUG-3', 3, 0)
  ON CONFLICT (sku) DO NOTHING;
