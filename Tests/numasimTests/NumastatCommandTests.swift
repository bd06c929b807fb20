import Foundation
import XCTest
import NumaTestSupport

/// `numasim numastat` (numastat(8) on a stress result or a run made here), `stress --dump
/// numastat,node-meminfo,node-vmstat`, and `numasim --version`: values against the run's JSON,
/// the file and the run giving the same bytes, and one clear error per bad input.
final class NumastatCommandTests: XCTestCase {
    static let workload = """
        threads:
          - {cpus: "0", kind: file, dirty: true, allocate: 40000, free: random, live: 30000, touch: 1}
          - {cpus: "1", policy: "bind:1", kind: anon, allocate: 3000}
        """

    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try NumasimBinary.run(args) }

    /// A topology, a workload, and the run's `stress --json` written to a file.
    func result() throws -> (t: String, w: String, path: String, json: [String: Any]) {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", Self.workload)
        let r = try run(["stress", "-t", t, "-w", w, "--json", "--seed", "3"])
        XCTAssertEqual(r.status, 0, r.err)
        return (t, w, try NumasimBinary.temp("r.json", r.out), try NumasimBinary.json(r.out))
    }

    func testDefaultTableHoldsTheResultsCountersAndARunGivesTheSameBytes() throws {
        let (t, w, path, json) = try result()
        let fromFile = try run(["numastat", path])
        XCTAssertEqual(fromFile.status, 0, fromFile.err)
        let lines = fromFile.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, String(repeating: " ", count: 27) + "node0" + String(repeating: " ", count: 11) + "node1")
        let numastat = try XCTUnwrap(json["numastat"] as? [String: [String: Int]])
        for name in ["numa_hit", "numa_miss", "numa_foreign", "interleave_hit", "local_node", "other_node"] {
            let row = try XCTUnwrap(lines.first { $0.hasPrefix(name + " ") }, name)
            XCTAssertEqual(row.split(separator: " ").map(String.init), [name, "\(numastat["0"]![name]!)", "\(numastat["1"]![name]!)"])
        }
        XCTAssertEqual(numastat["1"]!["other_node"]!, 3000, "node 1 served CPU 1 of node 0 (bind:1)")

        let fromRun = try run(["numastat", "-t", t, "-w", w, "--seed", "3"])
        XCTAssertEqual(fromRun.status, 0, fromRun.err)
        XCTAssertEqual(fromRun.out, fromFile.out, "the same run, read back or made here")
        for opts in [["-m", "-c"], ["-n", "-z", "-s"]] {
            XCTAssertEqual(try run(["numastat"] + opts + ["-t", t, "-w", w, "--seed", "3"]).out, try run(["numastat"] + opts + [path]).out, "\(opts)")
        }
    }

    func testMeminfoViewInMBFromTheResultsNodeMeminfo() throws {
        let (_, _, path, json) = try result()
        let r = try run(["numastat", "-m", path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("\nPer-node system memory usage (in MBs):\n"), r.out)
        XCTAssertEqual(r.out.components(separatedBy: "Token SwapCached not in hash table.\n").count - 1, 2, "once per node file, as numastat 2.0.16 on 6.1")
        let meminfo = try XCTUnwrap(json["node_meminfo"] as? [String: [String: Int]])
        func mb(_ kB: Int) -> String { String(format: "%.2f", Double(kB) / 1024) }
        for field in ["MemTotal", "MemFree", "Inactive(file)", "Dirty", "AnonPages"] {
            let row = try XCTUnwrap(r.out.split(separator: "\n").first { $0.hasPrefix(field + " ") }, field)
            let a = meminfo["0"]![field]!, b = meminfo["1"]![field]!
            XCTAssertEqual(row.split(separator: " ").map(String.init), [field, mb(a), mb(b), mb(a + b)], field)
        }
        XCTAssertGreaterThan(meminfo["0"]!["Dirty"]!, 0)

        // --json: the shown tables as data, -z leaving out the all-zero rows.
        let j = try run(["numastat", "-m", "-n", "-z", "--json", path])
        XCTAssertEqual(j.status, 0, j.err)
        let doc = try NumasimBinary.json(j.out)
        XCTAssertEqual(doc["schema"] as? String, "numasim.numastat/1")
        XCTAssertEqual(doc["source"] as? String, path)
        let tables = try XCTUnwrap(doc["tables"] as? [[String: Any]])
        XCTAssertEqual(tables.map { $0["name"] as? String }, ["meminfo", "numastat"])
        XCTAssertEqual(tables[0]["columns"] as? [String], ["Node 0", "Node 1", "Total"])
        let rows = try XCTUnwrap(tables[0]["rows"] as? [[String: Any]])
        XCTAssertFalse(rows.contains { $0["label"] as? String == "Mlocked" }, "all zero")
        let total = try XCTUnwrap(rows.first { $0["label"] as? String == "MemTotal" }?["values"] as? [Double])
        XCTAssertEqual(total[0] * 1024, Double(meminfo["0"]!["MemTotal"]!), accuracy: 1e-6)
        XCTAssertEqual(tables[1]["unit"] as? String, "MB")
    }

    /// `stress --dump numa_maps` and `numastat -p` on the same run: a process keeping 2 MiB
    /// (512 pages) bound to node 1 after the phase; its numa_maps line and its Private row agree
    /// (512 pages × 4 KiB = 2 MiB on node 1).
    func testProcessViewAndNumaMapsDump() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("p.yaml", """
            phases:
              - processes:
                  - name: keeper
                    exit: false
                    mmap:
                      - {name: data, size: 2MiB, policy: "bind:1"}
                    threads:
                      - cpu: 0
                        steps:
                          - touch: {vma: data, write: true}
            """)
        let dump = try run(["stress", "-t", t, "-w", w, "--quiet", "--dump", "numa_maps"])
        XCTAssertEqual(dump.status, 0, dump.err)
        XCTAssertTrue(dump.out.contains("/proc/1000/numa_maps (keeper):\n"), dump.out)
        XCTAssertNotNil(dump.out.range(of: #"\n[0-9a-f]{8,} bind:1 anon=512 dirty=512 active=0 N1=512 kernelpagesize_kB=4\n"#,
                                       options: .regularExpression), dump.out)
        let r = try run(["numastat", "-p", "keep", "-c", "-t", t, "-w", w])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("\nPer-node process memory usage (in MBs) for PID 1000 (keeper)\n"), r.out)
        XCTAssertTrue(r.out.contains("\nPrivate       0      2     2\n"), r.out)
    }

    func testBadInputGetsOneClearError() throws {
        let (t, w, path, json) = try result()
        func fails(_ args: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try run(args)
            XCTAssertNotEqual(r.status, 0, "\(args)", file: file, line: line)
            XCTAssertTrue(r.err.contains(message), "\(args): \(r.err)", file: file, line: line)
            XCTAssertEqual(r.out, "", "nothing printed on a bad option", file: file, line: line)
            XCTAssertEqual(r.err.components(separatedBy: "Error:").count, 2, "one error: \(r.err)", file: file, line: line)
        }
        try fails(["numastat", "/nonexistent/r.json"], "/nonexistent/r.json: no such file")
        try fails(["numastat", t], "\(t): not JSON")
        let boot = try NumasimBinary.temp("boot.json", try run(["zoneinfo", "-t", t, "--json"]).out)
        try fails(["numastat", boot], "not a numasim stress result (schema 'numasim.boot/1'")
        try fails(["numastat", "-p", "1000", "--json", path], "--json shows the system tables; the process view (-p) is text only")
        // A PID the run does not have: the tool's title, then perror's line, and exit 0, as
        // numastat does for a PID whose /proc entry is gone.
        let gone = try run(["numastat", "-p", "1234", path])
        XCTAssertEqual(gone.status, 0, gone.err)
        XCTAssertEqual(gone.out, "\nPer-node process memory usage (in MBs) for PID 1234 ((null))\n")
        XCTAssertEqual(gone.err, "Can't read /proc/1234/numa_maps: No such file or directory\n")
        try fails(["numastat", path, "-t", t, "-w", w], "not both")
        try fails(["numastat", path, "--seed", "2"], "not both")
        try fails(["numastat"], "expected a stress result (numasim numastat RESULT.json) or a run to make")
        try fails(["numastat", "-t", t], "Missing expected argument '--workload <workload>'")
        try fails(["numastat", "-w", w], "Missing expected argument '--topology <topology>'")
        try fails(["stress", "-w", w], "Missing expected argument '--topology <topology>'")

        // A result from before node_meminfo: the default view works, -m says what is missing.
        var old = json
        old["node_meminfo"] = nil
        let oldPath = try NumasimBinary.temp("old.json", String(decoding: try JSONSerialization.data(withJSONObject: old), as: UTF8.self))
        XCTAssertEqual(try run(["numastat", oldPath]).status, 0)
        try fails(["numastat", "-m", oldPath], "no node_meminfo")
    }

    func testStressDumpsNumastatAndNodeFiles() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", Self.workload)
        let r = try run(["stress", "-t", t, "-w", w, "--quiet", "--dump", "numastat,node-meminfo,node-vmstat"])
        XCTAssertEqual(r.status, 0, r.err)
        let table = try run(["numastat", "-t", t, "-w", w]).out
        XCTAssertTrue(r.out.contains("\nnumastat:\n" + table + "\n/sys/devices/system/node/node0/meminfo:\nNode 0 MemTotal: "), r.out)
        for header in ["node1/meminfo:\nNode 1 MemTotal: ", "node0/vmstat:\nnr_free_pages ", "node1/vmstat:\nnr_free_pages "] {
            XCTAssertTrue(r.out.contains("\n/sys/devices/system/node/" + header), header)
        }
        let j = try NumasimBinary.json(try run(["stress", "-t", t, "-w", w, "--json", "--dump", "node-vmstat"]).out)
        let dump = try XCTUnwrap((j["dumps"] as? [String: String])?["node-vmstat"])
        // Σ of the two node files = /proc/vmstat's node items.
        var sums: [String: Int] = [:]
        for line in dump.split(separator: "\n") where !line.hasPrefix("/sys/") {
            let f = line.split(separator: " ")
            sums[String(f[0]), default: 0] += Int(f[1])!
        }
        let vmstat = try XCTUnwrap(j["vmstat"] as? [String: Int])
        for k in ["nr_inactive_file", "nr_active_file", "nr_inactive_anon", "nr_dirty", "nr_written", "numa_hit", "numa_miss"] {
            XCTAssertEqual(sums[k], vmstat[k], k)
        }
        XCTAssertGreaterThan(sums["nr_zone_write_pending"]!, 0)
        XCTAssertEqual(sums["nr_zone_write_pending"], vmstat["nr_dirty"])
    }

    func testVersionIsTheJSONsVersion() throws {
        let v = try run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.out.hasPrefix("numasim 0."), v.out)
        let (_, _, _, json) = try result()
        XCTAssertEqual(v.out, "numasim \(try XCTUnwrap(json["numasim_version"] as? String))\n")
    }
}
