// Placeholder until the importer lands (same session).
public enum HostImporter {
    public static func load(path: String = "") throws -> Topology { throw InputError(file: path, "not implemented yet") }
}
