/**
 * Event-bus routes and steps ({@code bus}): the request becomes a JSON message to an address, sent
 * ({@code request}, waiting for the reply) or published, under a PRODUCER span whose context
 * travels in the message headers. {@link dev.tracegate.bus.TracedConsumer} is the other side: a
 * CONSUMER span per message, current for the consumer's code and every async hop it makes.
 */
package dev.tracegate.bus;
