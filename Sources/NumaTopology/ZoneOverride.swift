/// Values of one zone recorded on a real machine. `nil` fields are computed as the kernel would.
public struct ZoneOverride: Equatable, Sendable, Codable {
    public var startPfn: Int?
    public var spanned: Int?
    public var present: Int?
    public var managed: Int?
    public var free: Int?
    public var min: Int?
    public var low: Int?
    public var high: Int?
    public var protection: [Int]?
    public var pcpHigh: Int?
    public var pcpBatch: Int?

    public init(startPfn: Int? = nil, spanned: Int? = nil, present: Int? = nil, managed: Int? = nil,
                free: Int? = nil, min: Int? = nil, low: Int? = nil, high: Int? = nil,
                protection: [Int]? = nil, pcpHigh: Int? = nil, pcpBatch: Int? = nil) {
        self.startPfn = startPfn; self.spanned = spanned; self.present = present; self.managed = managed
        self.free = free; self.min = min; self.low = low; self.high = high; self.protection = protection
        self.pcpHigh = pcpHigh; self.pcpBatch = pcpBatch
    }

    public var isEmpty: Bool { self == ZoneOverride() }

    enum CodingKeys: String, CodingKey {
        case startPfn = "start_pfn", spanned, present, managed, free, min, low, high, protection
        case pcpHigh = "pcp_high", pcpBatch = "pcp_batch"
    }
}
