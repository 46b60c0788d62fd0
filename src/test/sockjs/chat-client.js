// A browser's client stack under Node.js: sockjs-client and @vertx/eventbus-bridge-client.js, used
// as README "Client protocol" shows. Run by chatapp.chat.gateway.SockJsNodeClientTest, which reads
// the JSON lines it prints. Environment: CHAT_URL, TOKEN, ROOM, FOREIGN_ROOM, LAST_ID (optional),
// TRANSPORT (optional: one SockJS transport only, e.g. xhr-streaming, as behind a proxy without WebSocket).
const EventBus = require('@vertx/eventbus-bridge-client.js');
const crypto = require('crypto');

const { CHAT_URL, TOKEN, ROOM, FOREIGN_ROOM, LAST_ID, TRANSPORT } = process.env;
const print = (event, fields) => console.log(JSON.stringify({ event, ...fields }));
const done = { delivered: false, foreignRefused: false, spoofRefused: false };
const finish = () => {
  if (Object.values(done).every(Boolean)) {
    eb.close();
    process.exit(0);
  }
};
setTimeout(() => { print('timeout', done); process.exit(2); }, 30000);

// The token travels in the URL: sockjs-client keeps the query string on every transport.
const eb = new EventBus(`${CHAT_URL}/eventbus?token=${encodeURIComponent(TOKEN)}`, TRANSPORT ? { transports: [TRANSPORT] } : {});
eb.onerror = (err) => print('error', { err });
let mine = null;
const seen = new Set();

function send() {
  // Spoofing is refused: the sender is the token's user.
  eb.send('chat.client.send', { roomId: ROOM, body: 'as someone else', senderId: 'someone-else' }, (err) => {
    print('spoof', { code: err && err.failureCode });
    done.spoofRefused = !!err && err.failureCode === 403;
    finish();
  });
  eb.send('chat.client.send', { roomId: ROOM, body: 'hello from node', clientMsgId: crypto.randomUUID() }, (err, reply) => {
    if (err) { print('send-failed', { err }); process.exit(3); }
    mine = reply.body.messageId;
    print('ack', { messageId: mine, sentAt: reply.body.sentAt });
    if (seen.has(mine)) { done.delivered = true; finish(); }
  });
}

eb.onopen = () => {
  // After a reconnect, register again with the last id seen: the missed messages come first.
  const headers = LAST_ID ? { lastMessageId: LAST_ID } : {};
  eb.registerHandler(`chat.client.room.${ROOM}`, headers, (err, msg) => {
    if (err) { print('room-error', { err }); return; }
    const m = msg.body;
    if (m.type === 'registered') {
      send();
    } else if (m.type === 'message') {
      seen.add(m.messageId);
      print('message', { messageId: m.messageId, senderId: m.senderId, body: m.body });
      if (m.messageId === mine) { done.delivered = true; finish(); }
    }
  });
  eb.registerHandler(`chat.client.room.${FOREIGN_ROOM}`, (err) => {
    print('foreign', { code: err && err.failureCode });
    done.foreignRefused = !!err && err.failureCode === 403;
    finish();
  });
};
