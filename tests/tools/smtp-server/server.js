'use strict';
// The SMTP server of the mail notification tests (started by tests/BackupTools.Tests/TestSupport/SmtpTestServer.cs):
// nodemailer's smtp-server on 127.0.0.1, each accepted message written to --dir as <n>.json (envelope, the
// authenticated user, whether the connection was TLS, and the raw message), written whole then renamed.
//   node server.js --port N --dir DIR [--key key.pem --cert cert.pem [--implicit-tls]] [--user U --password P]
// With a key and certificate STARTTLS is offered (or, with --implicit-tls, TLS starts at once); with a user, AUTH
// PLAIN/LOGIN is offered (only over TLS) and required before MAIL FROM.
const fs = require('fs');
const path = require('path');
const { SMTPServer } = require('smtp-server');

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i].replace(/^--/, '');
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) args[name] = true;
  else { args[name] = next; i++; }
}

const tls = Boolean(args.key && args.cert);
let count = 0;
const server = new SMTPServer({
  secure: Boolean(args['implicit-tls']),
  key: tls ? fs.readFileSync(args.key) : undefined,
  cert: tls ? fs.readFileSync(args.cert) : undefined,
  authMethods: ['PLAIN', 'LOGIN'],
  authOptional: !args.user,
  disabledCommands: [...(tls ? [] : ['STARTTLS']), ...(args.user ? [] : ['AUTH'])],
  logger: false,
  onAuth(auth, session, callback) {
    if (auth.username === args.user && auth.password === args.password) return callback(null, { user: auth.username });
    const error = new Error('Authentication credentials invalid');
    error.responseCode = 535;
    return callback(error);
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const n = ++count;
      const record = {
        from: session.envelope.mailFrom && session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        user: session.user || null,
        secure: Boolean(session.secure),
        raw: Buffer.concat(chunks).toString('utf8'),
      };
      const file = path.join(args.dir, String(n).padStart(4, '0') + '.json');
      fs.writeFileSync(file + '.tmp', JSON.stringify(record));
      fs.renameSync(file + '.tmp', file);
      callback(null, 'Queued as ' + n);
    });
  },
});
server.on('error', (e) => console.error('smtp-server: ' + e.message));
server.listen(Number(args.port), '127.0.0.1', () => console.log('listening on 127.0.0.1:' + args.port));
