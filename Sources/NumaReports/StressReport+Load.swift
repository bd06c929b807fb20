import Foundation
import NumaTopology

/// Reading a `numasim stress --json` file back (`numasim compare`, `numasim numastat`), with
/// errors that name the file and what is wrong with it.
extension StressReport {
    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case missing(String)
        case notJSON(String, String)
        case notStress(String, String?)
        /// The file, its schema, and the command that cannot read it.
        case schema(String, String, reader: String)
        case decoding(String, String)

        public var description: String {
            switch self {
            case .missing(let p): return "\(p): no such file"
            case .notJSON(let p, let why): return "\(p): not JSON (\(why))"
            case .notStress(let p, let s):
                return "\(p): not a numasim stress result (schema \(s.map { "'\($0)'" } ?? "missing"); expected \(StressReport.schemaID) from `numasim stress --json`)"
            case .schema(let p, let s, let reader):
                return "\(p): schema \(s), but \(reader) reads \(StressReport.schemaID); rerun `numasim stress --json` with this numasim"
            case .decoding(let p, let why): return "\(p): \(why)"
            }
        }
    }

    /// Reads the result at `path` for the command `reader` (named in a schema mismatch).
    public static func load(_ path: String, reader: String) throws -> StressReport {
        guard let data = try? InputText.data(path) else { throw LoadError.missing(path) }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch { throw LoadError.notJSON(path, "\(error.localizedDescription)") }
        let schema = (object as? [String: Any])?["schema"] as? String
        guard let schema, schema.hasPrefix("numasim.stress/") else { throw LoadError.notStress(path, schema) }
        guard schema == StressReport.schemaID else { throw LoadError.schema(path, schema, reader: reader) }
        do { return try JSONDecoder().decode(StressReport.self, from: data) } catch let DecodingError.keyNotFound(k, ctx) {
            throw LoadError.decoding(path, "missing key \((ctx.codingPath + [k]).map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw LoadError.decoding(path, "wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw LoadError.decoding(path, "\(error)")
        }
    }
}
