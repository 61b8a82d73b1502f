// Live updates for the library: the server's event stream (SSE, GET /api/v1/events, the
// caller's own content) when it works, else polling every 5 s. EventSource reconnects by
// itself after network errors (sending Last-Event-ID); a stream that cannot be opened at all
// (an error answer, or no such endpoint on this server) closes for good, and then we poll.
const TOPICS = [
  'upload.completed', 'upload.failed',
  'transcode.progress', 'transcode.completed', 'transcode.failed',
  'content.created', 'content.updated', 'content.deleted',
];

export const POLL_MS = 5000;

// handlers: {event(topic, data), reset(), poll()}. Returns {mode(), close()}.
export function subscribe(handlers) {
  let es = null;
  let pollTimer = null;
  let closed = false;
  let mode = 'connecting';
  let everOpen = false;

  const startPolling = () => {
    if (closed || pollTimer) return;
    mode = 'polling';
    handlers.mode?.(mode);
    handlers.poll();
    pollTimer = setInterval(() => handlers.poll(), POLL_MS);
  };
  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = null;
  };

  if (typeof EventSource !== 'function') {
    startPolling();
  } else {
    try {
      es = new EventSource('/api/v1/events', { withCredentials: true });
    } catch {
      es = null;
      startPolling();
    }
  }
  if (es) {
    // While the stream is down but retrying, poll so nothing is missed; stop once it is back.
    let downSince = null;
    es.addEventListener('open', () => {
      everOpen = true;
      downSince = null;
      stopPolling();
      mode = 'live';
      handlers.mode?.(mode);
    });
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) {
        startPolling();
        return;
      }
      downSince = downSince ?? Date.now();
      if (!everOpen || Date.now() - downSince > POLL_MS) startPolling();
    });
    for (const topic of TOPICS) {
      es.addEventListener(topic, (e) => {
        let parsed = null;
        try {
          parsed = JSON.parse(e.data);
        } catch {
          return;
        }
        // {id, topic, created_at, data}; accept a bare payload too.
        const data = parsed && typeof parsed.data === 'object' && parsed.topic ? parsed.data : parsed;
        handlers.event(topic, data || {});
      });
    }
    // The replay window was missed: state must be fetched again.
    es.addEventListener('reset', () => handlers.reset());
  }

  return {
    mode: () => mode,
    close() {
      closed = true;
      stopPolling();
      es?.close();
    },
  };
}
