/// A map from small non-negative ids (nodes, CPUs) to values, as a flat array; absent = nil.
struct IDTable: Sendable {
    private var values: [Int]
    init(maxID: Int) { values = [Int](repeating: -1, count: maxID + 1) }
    subscript(id: Int) -> Int? {
        get { id >= 0 && id < values.count && values[id] >= 0 ? values[id] : nil }
        set { if id >= 0 && id < values.count { values[id] = newValue ?? -1 } }
    }
}
