/**
 * The demo shop: demo upstream services under their own service names and the {@code demo} command
 * that starts them with the gateway and PostgreSQL. Not used by the gateway itself.
 */
package dev.tracegate.demo;
