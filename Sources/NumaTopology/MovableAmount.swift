/// How much of a node is onlined as ZONE_MOVABLE (`movable_node`, hot-plugged or CXL memory):
/// all of it, or the top so many bytes.
public enum MovableAmount: Equatable, Sendable {
    case all
    case bytes(UInt64)
}
