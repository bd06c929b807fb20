import Yams

/// Finds where a key path (`threads[0].duration`, `phases[2].processes[0].threads[1].steps[3]`)
/// stands in a YAML text, for errors found after the file was read (by an engine, or while a
/// process step runs), so they can name the line as the reader's own errors do.
public enum YAMLLocator {
    /// The 1-based line and column of the node at `keyPath` in `text`, or of the deepest
    /// component that exists; nil if the text is not YAML or the first component is missing.
    public static func location(of keyPath: String, in text: String) -> (line: Int, column: Int)? {
        guard var node = (try? Yams.compose(yaml: text)) ?? nil else { return nil }
        var found: (Int, Int)?
        for component in components(keyPath) {
            let next: Yams.Node?
            switch component {
            case .key(let k): next = node.mapping?[Yams.Node(k)]
            case .index(let i): next = node.sequence.flatMap { i < $0.count ? $0[i] : nil }
            }
            guard let n = next, let mark = n.mark else { break }
            node = n
            found = (mark.line, mark.column)
        }
        return found
    }

    enum Component: Equatable { case key(String), index(Int) }

    /// `a.b[2].c` → key a, key b, index 2, key c.
    static func components(_ keyPath: String) -> [Component] {
        var out: [Component] = []
        for part in keyPath.split(separator: ".") {
            var rest = Substring(part)
            if let open = rest.firstIndex(of: "[") {
                if open > rest.startIndex { out.append(.key(String(rest[rest.startIndex..<open]))) }
                rest = rest[open...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    if let i = Int(rest[rest.index(after: rest.startIndex)..<close]) { out.append(.index(i)) }
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                out.append(.key(String(rest)))
            }
        }
        return out
    }
}

extension InputError {
    /// `problem`, found after `file` (whose text is `text`) was read, at the line of its key.
    public init(file: String, text: String, _ problem: any TopologyProblem) {
        let at = YAMLLocator.location(of: problem.key, in: text)
        self.init(file: file, line: at?.line, column: at?.column, key: problem.key, problem.message)
    }
}
