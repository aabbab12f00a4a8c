// The one owner of the UI's shared state: sections read it with getState(), change it only by
// dispatch(action) (the reducer in state.js computes the next state) and learn of changes through
// subscribe(fn), called as fn(state, prev, action) after every action, in subscription order.
// An action dispatched from inside a subscriber is queued and runs after the current one has
// reached every subscriber, so each subscriber sees the actions in order. A subscriber that
// throws is logged and the others still run.

export function createStore(reducer, initial, onError = (e) => console.warn("spark-control: a section failed to render", e)) {
  let state = initial;
  const subscribers = [];
  const queue = [];
  let dispatching = false;

  function run(action) {
    const prev = state;
    state = reducer(state, action);
    for (const fn of subscribers.slice()) {
      try {
        fn(state, prev, action);
      } catch (e) {
        onError(e);
      }
    }
  }

  return {
    getState: () => state,
    dispatch(action) {
      queue.push(action);
      if (dispatching) return;
      dispatching = true;
      try {
        while (queue.length) run(queue.shift());
      } finally {
        dispatching = false;
      }
    },
    subscribe(fn) {
      subscribers.push(fn);
      return () => {
        const at = subscribers.indexOf(fn);
        if (at >= 0) subscribers.splice(at, 1);
      };
    },
  };
}
