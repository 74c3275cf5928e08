/**
 * SQL routes on the reactive PostgreSQL client: the pool, typed parameter binding, result
 * rendering, and one CLIENT span per statement with server-side cancellation on timeout. Parameter
 * values go only into the bound tuple, never into spans or logs.
 */
package dev.tracegate.sql;
