// The comparison server: @tus/server with @tus/file-store (the reference Node
// implementation), on 127.0.0.1:<port>, storing under <dir>. Usage: node tus_node_server.js <port> <dir>
'use strict';
const path = require('path');
const http = require('http');
const nm = path.join(__dirname, '..', '..', 'tests', 'node', 'node_modules');
const { Server } = require(path.join(nm, '@tus', 'server'));
const { FileStore } = require(path.join(nm, '@tus', 'file-store'));

const [port, dir] = process.argv.slice(2);
const tusServer = new Server({ path: '/files', datastore: new FileStore({ directory: dir }) });
http.createServer((req, res) => tusServer.handle(req, res)).listen(Number(port), '127.0.0.1', () => {
  process.stdout.write('listening\n');
});
