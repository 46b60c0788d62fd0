/*
 * The chat's browser client: REST (/api, see /docs) for rooms, members and history; the SockJS
 * event-bus bridge (/eventbus, see the README's "Client protocol") for live messages, presence,
 * notifications and sending. Everything it loads is served by the chat service itself.
 */
(function () {
  'use strict';

  var ROOM = function (id) { return 'chat.client.room.' + id; };
  var USER = function (id) { return 'chat.client.user.' + id; };
  var SEND = 'chat.client.send';
  var PAGE = 50;

  var state = {
    token: null, userId: null, eb: null,
    rooms: new Map(),       // roomId -> room
    current: null,          // roomId shown
    messages: new Map(),    // roomId -> [message], oldest first
    seen: new Map(),        // roomId -> Set(messageId): live, recovered and history copies collapse
    lastId: new Map(),      // roomId -> newest messageId received: where a reconnect, or a reload, resumes
    away: new Map(),        // roomId -> Set(messageId): received while the room was not shown
    notified: new Map(),    // roomId -> the notification service's unread item for it (count, latestMessageId)
    olderBefore: null,      // history cursor of the room shown
    draft: null,            // the last text sent and not yet acknowledged, with its clientMsgId
    unanswered: null        // rejects the send waiting for its ack, if one is
  };

  var $ = function (id) { return document.getElementById(id); };

  function status(text) { $('status').textContent = text; }
  function error(text) { $('error').textContent = text || ''; }

  function api(method, path, body) {
    var init = { method: method, headers: { 'Authorization': 'Bearer ' + state.token } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch('/api' + path, init).then(function (res) {
      if (res.status === 204) { return null; }
      return res.json().then(function (json) {
        if (!res.ok) { throw new Error(json.detail || json.title || ('HTTP ' + res.status)); }
        return json;
      });
    });
  }

  // ---- sign in -------------------------------------------------------------------------------

  function signIn(userId) {
    return fetch('/api/dev/tokens', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: userId })
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) { throw new Error(json.detail || 'sign-in refused'); }
        return json.token;
      });
    }).then(function (token) {
      state.token = token;
      state.userId = userId;
      sessionStorage.setItem('chat.session', JSON.stringify({ token: token, userId: userId }));
      return start();
    });
  }

  function start() {
    $('sign-in').hidden = true;
    $('app').hidden = false;
    $('sign-out').hidden = false;
    status('Signed in as ' + state.userId + ', connecting…');
    loadLastIds();
    return loadRooms().then(connect);
  }

  /*
   * Where each room resumes is kept for the tab's session, so that a reload resumes like a
   * reconnect: the gateway first sends what was stored meanwhile. Without it, a message that made
   * no notification because its user was online (in another tab, or through this page's socket in
   * the moment before its rooms were registered) reached neither the page nor its unread count.
   */
  function lastIdKey() { return 'chat.lastId.' + state.userId; }

  function loadLastIds() {
    try {
      state.lastId = new Map(Object.entries(JSON.parse(sessionStorage.getItem(lastIdKey()) || '{}')));
    } catch (e) {
      state.lastId = new Map();
    }
  }

  // ---- rooms and history ---------------------------------------------------------------------

  function loadRooms() {
    return api('GET', '/rooms').then(function (page) {
      page.rooms.forEach(function (room) { state.rooms.set(room.roomId, room); });
      renderRooms();
    });
  }

  function renderRooms() {
    var list = $('room-list');
    list.textContent = '';
    Array.from(state.rooms.values()).sort(function (a, b) { return a.name.localeCompare(b.name); }).forEach(function (room) {
      var li = document.createElement('li');
      var button = document.createElement('button');
      button.type = 'button';
      button.dataset.roomId = room.roomId;
      button.setAttribute('aria-current', String(room.roomId === state.current));
      var name = document.createElement('span');
      name.textContent = room.name;
      button.appendChild(name);
      var unread = unreadIn(room.roomId);
      if (unread > 0) {
        var badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = String(unread);
        badge.setAttribute('aria-label', unread + ' unread');
        button.appendChild(badge);
      }
      button.addEventListener('click', function () { openRoom(room.roomId); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  function openRoom(roomId) {
    state.current = roomId;
    state.away.delete(roomId);
    state.notified.delete(roomId);
    var room = state.rooms.get(roomId);
    $('room-title').textContent = room ? room.name : roomId;
    $('room-id-line').textContent = 'Room id: ' + roomId;
    $('send-form').hidden = false;
    renderRooms();
    renderMessages();
    loadMembers(roomId);
    return api('GET', '/rooms/' + encodeURIComponent(roomId) + '/messages?limit=' + PAGE).then(function (page) {
      addHistory(roomId, page);
    }).catch(function (e) { error(e.message); });
  }

  function loadOlder() {
    var roomId = state.current;
    if (!roomId || !state.olderBefore) { return; }
    api('GET', '/rooms/' + encodeURIComponent(roomId) + '/messages?limit=' + PAGE + '&before=' + state.olderBefore)
      .then(function (page) { addHistory(roomId, page); })
      .catch(function (e) { error(e.message); });
  }

  function addHistory(roomId, page) {
    // History comes newest first; the list keeps oldest first.
    page.messages.slice().reverse().forEach(function (m) { remember(m); });
    if (roomId === state.current) {
      state.olderBefore = page.nextBefore || null;
      $('older').hidden = !state.olderBefore;
      renderMessages();
    }
  }

  function loadMembers(roomId) {
    return api('GET', '/rooms/' + encodeURIComponent(roomId) + '/members').then(function (page) {
      if (roomId !== state.current) { return; }
      var list = $('member-list');
      list.textContent = '';
      page.members.forEach(function (member) {
        var li = document.createElement('li');
        li.textContent = member.userId;
        li.dataset.userId = member.userId;
        li.className = member.online ? 'online' : '';
        li.setAttribute('aria-label', member.userId + (member.online ? ', online' : ', offline'));
        list.appendChild(li);
      });
    });
  }

  /** Keeps a message once, in time order; returns whether it was new. */
  function remember(m) {
    var seen = state.seen.get(m.roomId) || new Set();
    state.seen.set(m.roomId, seen);
    if (seen.has(m.messageId)) { return false; }
    seen.add(m.messageId);
    var list = state.messages.get(m.roomId) || [];
    state.messages.set(m.roomId, list);
    var i = list.length;
    while (i > 0 && list[i - 1].sentAt > m.sentAt) { i--; }
    list.splice(i, 0, m);
    var last = list[list.length - 1];
    if (state.lastId.get(m.roomId) !== last.messageId) {
      state.lastId.set(m.roomId, last.messageId);
      sessionStorage.setItem(lastIdKey(), JSON.stringify(Object.fromEntries(state.lastId)));
    }
    return true;
  }

  function renderMessages() {
    var ol = $('messages');
    ol.textContent = '';
    (state.messages.get(state.current) || []).forEach(function (m) {
      var li = document.createElement('li');
      li.dataset.messageId = m.messageId;
      var who = document.createElement('span');
      who.className = 'who';
      who.textContent = m.senderId;
      var body = document.createElement('span');
      body.className = 'body';
      body.textContent = m.body;
      var time = document.createElement('time');
      time.dateTime = new Date(m.sentAt).toISOString();
      time.textContent = new Date(m.sentAt).toLocaleTimeString();
      li.append(who, body, time);
      ol.appendChild(li);
    });
    ol.scrollTop = ol.scrollHeight;
  }

  // ---- live: the event-bus bridge ------------------------------------------------------------

  function connect() {
    var eb = new EventBus('/eventbus?token=' + encodeURIComponent(state.token));
    state.eb = eb;
    eb.enableReconnect(true);
    // Runs on the first open and on every reconnect: the bridge forgets a closed socket's handlers.
    eb.onopen = function () {
      status('Signed in as ' + state.userId + ', connected');
      eb.registerHandler(USER(state.userId), onUserFrame);
      state.rooms.forEach(function (room) { registerRoom(room.roomId); });
      state.liveUntil = null;
      if (state.current) { loadMembers(state.current); }
    };
    eb.onclose = function () {
      // From here on this client sees nothing live: rooms it has no message of yet recover from here.
      state.liveUntil = state.liveUntil || Date.now();
      status('Signed in as ' + state.userId + ', reconnecting…');
      // The bridge client forgets the answers it waits for: a send in flight will never hear.
      if (state.unanswered) {
        state.unanswered(new Error('the connection dropped before the answer: send again'));
        state.unanswered = null;
      }
      // A token that expired while the socket was down is refused at every reconnect, and no frame
      // says so: the API does (401) once the server can be reached; while it cannot, keep trying.
      fetch('/api/rooms', { headers: { 'Authorization': 'Bearer ' + state.token } })
        .then(function (res) { if (res.status === 401) { signInAgain(); } }, function () {});
    };
    eb.onerror = function (err) {
      if (err && err.body === 'token_expired') {
        // The gateway closes a socket when its token expires; reconnecting with it would be refused.
        signInAgain();
        return;
      }
      error(err && err.body ? 'refused: ' + err.body : 'connection error');
    };
  }

  /** The token is no longer good: sign in again. The last ids seen stay, so that recovers what came meanwhile. */
  function signInAgain() {
    state.eb.enableReconnect(false);
    sessionStorage.removeItem('chat.session');
    location.reload();
  }

  /**
   * The smallest time-based UUID (version 1) of a millisecond: "everything after" it is every
   * message of the room when the client has none yet. Without it, a message stored between the
   * history read and the registration taking effect would be missed.
   */
  function timeUuid(ms) {
    var t = (BigInt(ms) + 12219292800000n) * 10000n; // 100 ns since 1582-10-15
    var hex = function (v, n) { return v.toString(16).padStart(n, '0'); };
    return hex(t & 0xffffffffn, 8) + '-' + hex((t >> 32n) & 0xffffn, 4) + '-' + hex(((t >> 48n) & 0x0fffn) | 0x1000n, 4)
      + '-8080-808080808080';
  }

  /** fromStart: a room just created or joined, whose every message this client should get. */
  function registerRoom(roomId, fromStart) {
    if (!state.eb || state.eb.state !== EventBus.OPEN) { return; }
    var room = state.rooms.get(roomId);
    var last = state.lastId.get(roomId)
      || (fromStart && room ? timeUuid(Date.parse(room.createdAt) - 1) : null)
      // No message of this room seen yet, after a reconnect: everything since the socket dropped
      // less 20 s: this browser's clock may differ from the servers', and a message accepted
      // before the drop can reach Kafka up to that much later (the server's own look-back, README
      // "Order within a room"). Copies of what is already shown collapse by id.
      || (state.liveUntil ? timeUuid(state.liveUntil - 20000) : null);
    // With lastMessageId the gateway first sends what was missed, in order, then the live ones.
    var eb = state.eb;
    var handler = function (err, frame) {
      if (!err) { onRoomFrame(roomId, frame.body); return; }
      error('room ' + roomId + ': ' + (err.message || err.failureType));
      if (err.failureCode !== 403 && err.failureCode !== 503) { return; }
      // The server let go of the room. So must this client: the bridge client sends a register only
      // for an address's first handler, so a dead one would keep the room silent for good.
      if (eb.state === EventBus.OPEN) { eb.unregisterHandler(ROOM(roomId), handler); }
      if (err.failureCode === 503) {
        setTimeout(function () { if (state.eb === eb) { registerRoom(roomId); } }, 2000); // it may answer soon
      } else { // not (or no longer) a member
        state.rooms.delete(roomId);
        if (state.current === roomId) { state.current = null; $('send-form').hidden = true; }
        renderRooms();
      }
    };
    eb.registerHandler(ROOM(roomId), last ? { lastMessageId: last } : {}, handler);
  }

  function onRoomFrame(roomId, event) {
    if (event.type === 'message') {
      if (remember(event) && roomId !== state.current) {
        var away = state.away.get(roomId) || new Set();
        state.away.set(roomId, away.add(event.messageId));
        renderRooms();
      }
      if (roomId === state.current) {
        renderMessages();
        // A sender the list does not show has joined since it was loaded.
        if (!document.querySelector('#member-list li[data-user-id="' + CSS.escape(event.senderId) + '"]')) {
          loadMembers(roomId);
        }
      }
    } else if ((event.type === 'presence' || event.type === 'member') && roomId === state.current) {
      loadMembers(roomId);
    } else if (event.type === 'reload') {
      state.messages.delete(roomId);
      state.seen.delete(roomId);
      if (roomId === state.current) { openRoom(roomId); }
    }
  }

  /**
   * A room's unread messages: those the notification service counted while we were away, plus
   * those the socket brought (live, or replayed on resuming) that are newer than its latest. A
   * replayed message the service also counted is counted once, whichever of the two came first.
   */
  function unreadIn(roomId) {
    var item = state.notified.get(roomId);
    var after = item ? uuidTicks(item.latestMessageId) : null;
    var n = item ? item.count : 0;
    (state.away.get(roomId) || new Set()).forEach(function (id) {
      var t = uuidTicks(id);
      if (!item || (after !== null && t !== null && t > after)) { n++; }
    });
    return n;
  }

  /** The time inside a time-based UUID (version 1) as a BigInt, or null for any other id. */
  function uuidTicks(id) {
    var hex = String(id || '').replace(/-/g, '');
    if (!/^[0-9a-f]{32}$/i.test(hex) || hex.charAt(12) !== '1') { return null; }
    return BigInt('0x' + hex.substr(13, 3) + hex.substr(8, 4) + hex.substr(0, 8));
  }

  function onUserFrame(err, frame) {
    if (err) { return; }
    var event = frame.body;
    if (event.type === 'notifications') {
      // What arrived while we were away: one item per room, with how many messages.
      event.items.forEach(function (item) {
        if (item.roomId !== state.current && item.unread !== false) {
          state.notified.set(item.roomId, item);
        }
      });
      renderRooms();
    }
  }

  /**
   * Sends a message to the room shown; the ack resolves. A text not acknowledged (refused, or the
   * socket closed before the answer) keeps its clientMsgId: sending the same text again is a retry,
   * which the gateway answers with the first attempt's id if that one reached Kafka after all,
   * instead of making a second message.
   */
  function send(body) {
    var draft = state.draft;
    if (!draft || draft.roomId !== state.current || draft.body !== body) {
      draft = state.draft = { roomId: state.current, body: body,
        clientMsgId: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random() };
    }
    return new Promise(function (resolve, reject) {
      state.eb.send(SEND, { roomId: draft.roomId, body: draft.body, clientMsgId: draft.clientMsgId }, function (err, reply) {
        state.unanswered = null;
        if (err) { reject(new Error(err.message || err.failureType || 'not sent')); return; }
        if (state.draft === draft) { state.draft = null; }
        resolve(reply.body);
      });
      // Only once it is out: a send the closed bus refuses (it throws) waits for no answer.
      state.unanswered = reject;
    });
  }

  // ---- wiring --------------------------------------------------------------------------------

  $('sign-in-form').addEventListener('submit', function (e) {
    e.preventDefault();
    error('');
    signIn($('user-name').value.trim()).catch(function (err) { status(err.message); });
  });

  $('sign-out').addEventListener('click', function () {
    sessionStorage.removeItem('chat.session');
    sessionStorage.removeItem(lastIdKey());
    location.reload();
  });

  $('create-room-form').addEventListener('submit', function (e) {
    e.preventDefault();
    api('POST', '/rooms', { name: $('room-name').value.trim() }).then(function (room) {
      $('room-name').value = '';
      state.rooms.set(room.roomId, room);
      registerRoom(room.roomId, true);
      openRoom(room.roomId);
    }).catch(function (err) { error(err.message); });
  });

  $('join-room-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var roomId = $('room-id').value.trim();
    api('PUT', '/rooms/' + encodeURIComponent(roomId) + '/members/' + encodeURIComponent(state.userId))
      .then(function () { return api('GET', '/rooms/' + encodeURIComponent(roomId)); })
      .then(function (room) {
        $('room-id').value = '';
        var known = state.rooms.has(room.roomId);
        state.rooms.set(room.roomId, room);
        if (!known) { registerRoom(room.roomId, true); } // a room already listed is listened to already
        openRoom(room.roomId);
      }).catch(function (err) { error(err.message); });
  });

  $('send-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var input = $('message-body');
    var body = input.value;
    if (!body.trim() || state.unanswered) { return; } // one send at a time: Enter twice is one message
    error('');
    send(body)
      .then(function () { if (input.value === body) { input.value = ''; } }) // not what was typed since
      .catch(function (err) { error(err.message); });
  });

  $('message-body').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('send-form').requestSubmit(); }
  });

  $('older').addEventListener('click', loadOlder);

  var saved = sessionStorage.getItem('chat.session');
  if (saved) {
    var session = JSON.parse(saved);
    state.token = session.token;
    state.userId = session.userId;
    start().catch(function () { sessionStorage.removeItem('chat.session'); location.reload(); });
  }
})();
