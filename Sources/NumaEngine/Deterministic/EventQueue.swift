/// The discrete-event engine's pending events: a binary min-heap by simulated time, ties broken
/// by a fixed rank (kswapd of node index n is rank n, task i is rank nodes + i), so the same
/// inputs always run in the same order. Each actor has at most one live event; a superseded
/// event (a napping kswapd woken early) is dropped lazily by its stale generation.
/// `push` and `pop` are O(log n).
struct EventQueue {
    struct Event {
        var time: Int
        var rank: Int
        var generation: Int
        @inline(__always) func before(_ o: Event) -> Bool { time != o.time ? time < o.time : rank < o.rank }
    }
    private var heap: [Event] = []
    /// The live generation of each rank's event.
    private var live: [Int]
    /// Bumped by every `schedule` and `cancel`: a caller that peeked may keep the answer while
    /// this has not changed.
    private(set) var version = 0

    init(ranks: Int) { live = [Int](repeating: 0, count: ranks) }

    /// Schedules `rank` at `time`, replacing its pending event if any.
    mutating func schedule(_ rank: Int, at time: Int) {
        version &+= 1
        live[rank] &+= 1
        heap.append(Event(time: time, rank: rank, generation: live[rank]))
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard heap[i].before(heap[p]) else { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    /// Drops `rank`'s pending event.
    mutating func cancel(_ rank: Int) {
        version &+= 1
        live[rank] &+= 1
    }

    /// The earliest live event, removed.
    mutating func pop() -> Event? {
        while let top = heap.first {
            removeTop()
            if top.generation == live[top.rank] {
                live[top.rank] &+= 1
                version &+= 1
                return top
            }
        }
        return nil
    }

    /// The earliest live event, left in place.
    mutating func peek() -> Event? {
        while let top = heap.first {
            if top.generation == live[top.rank] { return top }
            removeTop()
        }
        return nil
    }

    private mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && heap[l].before(heap[m]) { m = l }
            if r < heap.count && heap[r].before(heap[m]) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}
