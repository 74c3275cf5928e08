/**
 * Fan-out and fan-in: compose steps started as their dependencies finish, each under an INTERNAL
 * span that parents its proxy or SQL call. Reuses the proxy and SQL packages for the calls.
 */
package dev.tracegate.compose;
