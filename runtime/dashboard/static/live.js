// The event stream (GET /v1/events) with the session cookie. The page says whether it
// is live; when the stream is lost it says so and reconnects with a growing wait, and
// once back it reloads every view, since events may have been missed meanwhile.

export const EVENT_TYPES = [
  "decision", "fill", "fill_refused", "breach", "lock", "unlock", "flatten", "flatten_failed",
  "auto_flatten", "kill_switch", "account", "account_added", "account_removed",
  "automation_paused", "automation_resumed", "connection", "connection_added",
  "connection_deleted", "reload", "roll", "reconciled", "cancel", "reversal_entry",
  "external_trade", "orphaned_exits", "copy", "store_repaired",
];

export class Live {
  constructor({ onEvent, onState }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.source = null;
    this.wait = 1000;
    this.timer = null;
    this.everOpen = false;
  }

  start() {
    clearTimeout(this.timer);
    this.onState(this.everOpen ? "reconnecting" : "connecting");
    const source = new EventSource("/v1/events");
    this.source = source;
    source.onopen = () => {
      const again = this.everOpen;
      this.everOpen = true;
      this.wait = 1000;
      this.onState("live", again);
    };
    source.onerror = () => {
      if (this.source !== source) return;
      source.close();
      this.source = null;
      this.onState("lost", false, Math.round(this.wait / 1000));
      this.timer = setTimeout(() => this.start(), this.wait);
      this.wait = Math.min(this.wait * 2, 15000);
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        let data = {};
        try {
          data = JSON.parse(message.data);
        } catch {
          return;
        }
        this.onEvent(type, data, message.lastEventId);
      });
    }
  }
}
