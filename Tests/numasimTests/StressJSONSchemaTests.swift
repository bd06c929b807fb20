import Foundation
import XCTest
import NumaTestSupport

/// `numasim stress --json` against the documented schema (docs/schema/numasim.stress-3.schema.json,
/// described in docs/json.md): real runs of both engines must have every required key with the
/// documented type, and the schema must name every key docs/json.md documents.
final class StressJSONSchemaTests: XCTestCase {
    static var schema: [String: Any] {
        get throws {
            let url = NumasimBinary.root.appendingPathComponent("docs/schema/numasim.stress-3.schema.json")
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        }
    }

    /// A small JSON Schema checker: type (one or several), const, enum, required, properties,
    /// additionalProperties (a schema for map values), items. Returns every violation with its path.
    static func validate(_ v: Any, _ s: [String: Any], _ path: String = "$") -> [String] {
        var errors: [String] = []
        if let t = s["type"] {
            let types = (t as? [String]) ?? [t as! String]
            if !types.contains(where: { matches(v, $0) }) { return ["\(path): expected \(types.joined(separator: " or ")), got \(describe(v))"] }
        }
        if let c = s["const"] as? String, (v as? String) != c { errors.append("\(path): expected \"\(c)\", got \(v)") }
        if let e = s["enum"] as? [String], !e.contains(v as? String ?? "") { errors.append("\(path): \(v) not in \(e)") }
        if let o = v as? [String: Any] {
            for k in s["required"] as? [String] ?? [] where o[k] == nil { errors.append("\(path).\(k): missing") }
            let props = s["properties"] as? [String: [String: Any]] ?? [:]
            for (k, sub) in props { if let x = o[k] { errors += validate(x, sub, "\(path).\(k)") } }
            if let extra = s["additionalProperties"] as? [String: Any] {
                for (k, x) in o where props[k] == nil { errors += validate(x, extra, "\(path).\(k)") }
            }
        }
        if let a = v as? [Any], let items = s["items"] as? [String: Any] {
            for (i, x) in a.enumerated() { errors += validate(x, items, "\(path)[\(i)]") }
        }
        return errors
    }

    /// JSONSerialization gives booleans as NSNumbers of type "c" (and `1 is Bool` holds on Linux).
    static func isBool(_ v: Any) -> Bool { (v as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? (v is Bool) }

    static func matches(_ v: Any, _ t: String) -> Bool {
        switch t {
        case "object": return v is [String: Any]
        case "array": return v is [Any]
        case "string": return v is String
        case "boolean": return isBool(v)
        case "null": return v is NSNull
        case "integer":
            guard !isBool(v), let n = v as? NSNumber else { return false }
            return !["d", "f"].contains(String(cString: n.objCType))
        case "number": return !isBool(v) && v is NSNumber
        default: return false
        }
    }

    static func describe(_ v: Any) -> String {
        isBool(v) ? "boolean" : v is NSNull ? "null" : v is String ? "string" : v is [Any] ? "array" : v is [String: Any] ? "object" : "number \(v)"
    }

    func stressJSON(_ extra: [String]) throws -> [String: Any] {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", """
            threads:
              - {cpus: "0", allocate: 40000, order: {0: 90, 2: 10}, free: random, live: 30000, touch: 1, kind: file}
              - {cpus: "2", policy: "interleave:0,1", allocate: 4000, free: immediately}
            """)
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--json"] + extra)
        XCTAssertEqual(r.status, 0, r.err)
        return try NumasimBinary.json(r.out)
    }

    func testDeterministicRunMatchesSchema() throws {
        let j = try stressJSON(["--latency", "--dump", "vmstat"])
        XCTAssertEqual(Self.validate(j, try Self.schema), [])
        XCTAssertNotNil(j["latency"], "--latency adds latency")
        XCTAssertNotNil((j["timeline"] as? [String: Any])?["every_ops"])
    }

    func testConcurrentRunMatchesSchema() throws {
        let j = try stressJSON(["--threads", "2", "--sample-ms", "5"])
        XCTAssertEqual(Self.validate(j, try Self.schema), [])
        XCTAssertNil(j["latency"], "no latency without --latency")
        XCTAssertEqual((j["timeline"] as? [String: Any])?["every_ms"] as? Double, 5)
    }

    /// Hotplug steps and process phases add their optional sections, which must match too.
    func testHotplugAndProcessRunMatchesSchema() throws {
        let t = try NumasimBinary.temp("t.yaml", NumasimBinary.twoNodes)
        let w = try NumasimBinary.temp("w.yaml", """
            phases:
              - threads:
                  - {cpus: "0", policy: "bind:1", kind: anon, allocate: 2000, free: never}
              - hotplug: {offline: 1, blocks: 2}
              - processes:
                  - name: p
                    mmap:
                      - {name: buf, size: 8MiB}
                    threads:
                      - cpu: 0
                        steps:
                          - touch: {vma: buf, offset: 0, length: 8MiB, write: true}
              - hotplug: {online: 1}
            """)
        let r = try NumasimBinary.run(["stress", "-t", t, "-w", w, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let j = try NumasimBinary.json(r.out)
        XCTAssertEqual(Self.validate(j, try Self.schema), [])
        let steps = try XCTUnwrap(j["hotplug"] as? [[String: Any]])
        XCTAssertEqual(steps.map { $0["action"] as? String }, ["offline", "online"])
        XCTAssertEqual(steps[0]["blocks"] as? Int, steps[1]["blocks"] as? Int)
        let spaces = try XCTUnwrap(j["address_spaces"] as? [String: Any])
        XCTAssertEqual(spaces["pgfault"] as? Int, 2048, "one fault per 4 KiB page written")
    }

    /// The checker itself: it must catch a missing key and a wrong type, or the tests above prove nothing.
    func testCheckerRejectsMissingKeysAndWrongTypes() throws {
        var j = try stressJSON([])
        let schema = try Self.schema
        j["fallback"] = nil
        j["ops"] = "many"
        var loc = j["locality"] as! [String: Any]
        loc["local_share"] = true
        j["locality"] = loc
        let errors = Self.validate(j, schema)
        XCTAssertTrue(errors.contains("$.fallback: missing"), "\(errors)")
        XCTAssertTrue(errors.contains { $0.hasPrefix("$.ops: expected integer") }, "\(errors)")
        XCTAssertTrue(errors.contains { $0.hasPrefix("$.locality.local_share: expected number") }, "\(errors)")
    }

    /// Every key of the stress table in docs/json.md is in the schema, and the other way round.
    func testSchemaAndDocsNameTheSameTopLevelKeys() throws {
        let doc = try String(contentsOf: NumasimBinary.root.appendingPathComponent("docs/json.md"), encoding: .utf8)
        let section = try XCTUnwrap(doc.components(separatedBy: "# `numasim stress --json`").dropFirst().first)
            .components(separatedBy: "\n# ").first!
        var documented = Set<String>()
        for line in section.split(separator: "\n") where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            for part in cell.split(separator: ",") {
                let k = part.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
                if !k.isEmpty, !k.contains(".") { documented.insert(k) }
            }
        }
        let props = Set((try Self.schema["properties"] as! [String: Any]).keys)
        XCTAssertEqual(documented, props)
    }
}
