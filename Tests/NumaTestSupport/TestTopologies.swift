/// Small machines several test targets boot.
public enum TestTopologies {
    /// Four small nodes (the last memory-only, farther away), THP off: pressure comes quickly.
    public static let pressure4n = """
        name: pressure-4n
        nodes:
          - {id: 0, cpus: "0-1", memory: 64MiB}
          - {id: 1, cpus: "2-3", memory: 64MiB}
          - {id: 2, cpus: "4-5", memory: 64MiB}
          - {id: 3, cpus: "", memory: 32MiB}
        distances: [[10, 21, 21, 31], [21, 10, 21, 31], [21, 21, 10, 31], [31, 31, 31, 10]]
        sysctl: {transparent_hugepage: never}
        """

    /// Two CPU nodes and two memory-only nodes (whose memory is all managed, as hot-added or CXL
    /// memory with its memmap elsewhere), every remote distance 20, THP off.
    public static let hotplug4n = """
        name: hotplug-test
        arch: x86_64
        nodes:
          - {id: 0, cpus: "0-1", memory: 4GiB}
          - {id: 1, cpus: "2-3", memory: 2GiB}
          - {id: 2, memory: 1GiB, managed: 1GiB}
          - {id: 3, memory: 1GiB, managed: 1GiB}
        distances:
          - [10, 20, 20, 20]
          - [20, 10, 20, 20]
          - [20, 20, 10, 20]
          - [20, 20, 20, 10]
        sysctl:
          transparent_hugepage: never
        """

    /// Two CPU nodes and a farther memory-only node, 256 MiB each, THP off.
    public static let three256 = """
        name: four
        nodes:
          - {id: 0, cpus: "0-1", memory: 256MiB}
          - {id: 1, cpus: "2-3", memory: 256MiB}
          - {id: 2, cpus: "", memory: 256MiB}
        distances: [[10, 21, 31], [21, 10, 31], [31, 31, 10]]
        sysctl: {transparent_hugepage: never}
        """

    /// Two nodes of two CPUs and 256 MiB each (SLIT 21), THP off: the process tests' machine.
    /// Two 512 MiB nodes (CPUs 0-1 and 2-3), SLIT 10/21: enough RAM for `hugepage_init` to
    /// leave THP on; `enabled`/`defrag` as /sys/kernel/mm/transparent_hugepage has them.
    public static func two512(thp enabled: String = "always", defrag: String = "madvise") -> String {
        """
        name: two512
        nodes:
          - {id: 0, cpus: "0-1", memory: 512MiB}
          - {id: 1, cpus: "2-3", memory: 512MiB}
        distances: [[10, 21], [21, 10]]
        sysctl: {transparent_hugepage: \(enabled), transparent_hugepage_defrag: \(defrag)}
        """
    }

    public static let two256 = """
        name: two
        nodes:
          - {id: 0, cpus: "0-1", memory: 256MiB}
          - {id: 1, cpus: "2-3", memory: 256MiB}
        distances: [[10, 21], [21, 10]]
        sysctl: {transparent_hugepage: never}
        """
}
