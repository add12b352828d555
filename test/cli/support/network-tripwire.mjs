// Preloaded into a CLI child process (NODE_OPTIONS=--import) by tests that must prove the CLI
// refused before sending anything: every outgoing TCP connection is refused before a packet
// leaves and reported on stderr, so a refusal that comes too late fails the test (and sends
// nothing). Local IPC over a Unix socket (tsx's own) is left alone: it is not the network.
import net from 'node:net';

const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function tripwire(...args) {
  // net.connect() passes its normalized arguments as one array.
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (options !== null && typeof options === 'object' && typeof options.path === 'string') return connect.apply(this, args);
  const target = options !== null && typeof options === 'object' ? `${options.host ?? 'localhost'}:${options.port}` : String(options);
  process.stderr.write(`network tripwire: connect ${target}\n`);
  process.nextTick(() => this.destroy(Object.assign(new Error(`network tripwire: connect ${target}`), { code: 'ECONNREFUSED' })));
  return this;
};
