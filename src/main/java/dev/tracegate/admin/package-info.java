/**
 * The operator port: liveness, readiness, and the local trace views over the recent-trace buffer.
 * Never traced itself; reads gateway state, never changes it.
 */
package dev.tracegate.admin;
