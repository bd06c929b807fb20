import NumaTopology

/// The machine `numasim bench` times without `-t`: the keys of `topologies/nehalem-2s.yaml`
/// (two Nehalem-EP sockets, 2 × 12 GiB, SLIT 10/21; its sources are in that file), built in so
/// that bench gives the same figures from any working directory (docs/benchmarks.md was taken
/// on it). `BenchTests.testBuiltInTopologyIsTheShippedFile` keeps the two the same machine.
public enum BenchDefaultTopology {
    /// Where the machine comes from, as `bench` names it.
    public static let name = "topologies/nehalem-2s.yaml (built in)"

    /// The topology file's keys, without its comments.
    public static let yaml = """
        name: nehalem-2s
        description: "2 x Xeon 5500 (Nehalem-EP, 4C/8T each), QPI, 2 nodes x 12 GiB, SLIT 10/21"
        source: "Intel Xeon 5500 datasheet (321321); numactl --hardware of a 2S Xeon E5520, linux-mm 2013-06-04 <51ADAC15.1050103@huawei.com>; SLIT 21 as in hwloc sample 32em64t-2n8c"
        arch: x86_64
        legacy_holes: true
        holes:
          - {start: 0xc0000000, size: 1GiB}
        nodes:
          - id: 0
            cpus: 0-3,8-11
            memory: 12GiB
          - id: 1
            cpus: 4-7,12-15
            memory: 12GiB
        distances:
          - [10, 21]
          - [21, 10]
        sysctl:
          min_free_kbytes: auto
          transparent_hugepage: always

        """

    /// The parsed machine.
    public static func topology() throws -> Topology { try TopologyFile.parse(yaml, file: name) }
}
