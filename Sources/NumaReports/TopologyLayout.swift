import Foundation

/// Where the HTML report's topology drawing puts things: nodes on a circle, and the SLIT label
/// of each drawn pair on its line at a spot free of other labels and of the nodes (with four
/// nodes the two diagonals cross at the centre, where both middle labels would sit).
struct TopologyLayout {
    struct Box: Equatable {
        var x, y, w, h: Double
        func overlaps(_ o: Box, margin: Double = 2) -> Bool {
            x < o.x + o.w + margin && o.x < x + w + margin && y < o.y + o.h + margin && o.y < y + h + margin
        }
    }

    let size: Double
    let nodeRadius = 40.0
    let centers: [(Double, Double)]

    init(count n: Int, size: Double) {
        self.size = size
        let c = size / 2, radius = n == 1 ? 0 : size / 2 - 56
        centers = (0..<n).map { i in
            let a = -Double.pi / 2 + 2 * Double.pi * Double(i) / Double(Swift.max(1, n))
            return (c + radius * cos(a), c + radius * sin(a))
        }
    }

    /// Positions along the line from node `i` to node `j` tried in turn (fractions of the way).
    static let fractions = [0.5, 0.38, 0.62, 0.3, 0.7, 0.44, 0.56]

    /// The label box for the line i–j: the first position whose box overlaps no box in
    /// `placed` and no node circle; the middle if none is free.
    func labelBox(from i: Int, to j: Int, width: Double, height: Double, avoiding placed: [Box]) -> Box {
        let (x1, y1) = centers[i], (x2, y2) = centers[j]
        func box(_ t: Double) -> Box {
            Box(x: x1 + (x2 - x1) * t - width / 2, y: y1 + (y2 - y1) * t - height / 2, w: width, h: height)
        }
        for t in Self.fractions {
            let b = box(t)
            if placed.contains(where: { $0.overlaps(b) }) { continue }
            if centers.contains(where: { circle($0, overlaps: b) }) { continue }
            return b
        }
        return box(0.5)
    }

    /// Whether a node circle at `c` touches box `b`.
    func circle(_ c: (Double, Double), overlaps b: Box) -> Bool {
        let nx = Swift.min(Swift.max(c.0, b.x), b.x + b.w), ny = Swift.min(Swift.max(c.1, b.y), b.y + b.h)
        let dx = c.0 - nx, dy = c.1 - ny
        return dx * dx + dy * dy < (nodeRadius + 2) * (nodeRadius + 2)
    }

    /// Approximate width of 11px text (the `.tick` class), 6.2 px a character.
    static func textWidth(_ s: String) -> Double { Double(s.count) * 6.2 }

    /// `label` when it fits in `width` px, else `N CPUs` (the list goes to the tooltip).
    static func cpuLabel(_ label: String, count: Int, fitting width: Double) -> String {
        textWidth(label) <= width ? label : "\(count) CPUs"
    }
}
