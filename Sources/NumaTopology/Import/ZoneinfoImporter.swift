// Placeholder until the importer lands (same session).
public enum ZoneinfoImporter {
    public static func apply(path: String, to t: inout Topology) throws { throw InputError(file: path, "not implemented yet") }
}
