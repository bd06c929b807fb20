import Yams

/// CPU (or node) lists in YAML files: the kernel's cpulist text (`cpus: 0-3,8-11`, `cpus: 5`)
/// or a YAML list of numbers and cpulists (`cpus: [0, 1]`, `cpus: [0-3, 8]`), the same set.
extension YAMLReader {
    /// The list at `node`; `what` names it in errors ("a cpulist such as 0-3,8-11").
    public func cpuList(_ node: Yams.Node, _ path: String, _ what: String) throws -> CPUList {
        if case .sequence(let items) = node {
            var members: [Int] = []
            for (i, item) in items.enumerated() {
                let text = try scalar(item, "\(path)[\(i)]", "a CPU number or a cpulist such as 0-3")
                do { members += try CPUList.parse(text).members } catch { throw fail(item, "\(path)[\(i)]", error.description) }
            }
            return CPUList(members)
        }
        let text = try scalar(node, path, "\(what), or a list of numbers such as [0, 1]")
        do { return try CPUList.parse(text) } catch { throw fail(node, path, error.description) }
    }
}
