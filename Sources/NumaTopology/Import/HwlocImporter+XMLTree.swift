import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

extension HwlocImporter {
    /// The elements of an XML document in document order (element 0 is the root), each with its
    /// attributes, text, parent, children and the line it starts on, read with Foundation's
    /// `XMLParser` (FoundationXML on Linux). A malformed document is an error naming the line.
    struct XMLTree {
        struct Element {
            var name: String
            var attributes: [String: String]
            var line: Int
            var parent: Int?
            var children: [Int] = []
            var text = ""
        }

        var elements: [Element] = []

        /// `<object type="PU" os_index="3">`, `<distances2 type="NUMANode">`, `<latency>`: how
        /// errors name an element.
        func describe(_ e: Int) -> String {
            let el = elements[e]
            var parts = [el.name]
            for key in ["type", "os_index"] {
                if let v = el.attributes[key] { parts.append("\(key)=\"\(v)\"") }
            }
            return "<\(parts.joined(separator: " "))>"
        }

        static func parse(_ data: Data, file: String) throws -> XMLTree {
            guard !data.isEmpty else {
                throw InputError(file: file, "the file is empty; expected the XML `lstopo --of xml` writes, starting with <?xml")
            }
            let parser = XMLParser(data: data)
            let builder = Builder()
            parser.delegate = builder
            parser.shouldResolveExternalEntities = false
            let ok = parser.parse()
            let code = (parser.parserError as NSError?)?.code
            if !ok || code != nil || builder.tree.elements.isEmpty {
                let reason = code.map { "libxml2 error \($0)" } ?? "no element"
                throw InputError(file: file, line: max(parser.lineNumber, 1),
                                 "not well-formed XML (\(reason)); expected the XML `lstopo --of xml` writes")
            }
            if let e = builder.open.last {
                throw InputError(file: file, line: max(parser.lineNumber, 1),
                                 "the document ends inside \(builder.tree.describe(e)) opened on line \(builder.tree.elements[e].line); expected its closing tag")
            }
            return builder.tree
        }

        /// The `XMLParserDelegate` that builds the tree.
        final class Builder: NSObject, XMLParserDelegate {
            var tree = XMLTree()
            var open: [Int] = []

            func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
                let index = tree.elements.count
                tree.elements.append(Element(name: elementName, attributes: attributeDict,
                                             line: max(parser.lineNumber, 1), parent: open.last))
                if let p = open.last { tree.elements[p].children.append(index) }
                open.append(index)
            }

            func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                        qualifiedName qName: String?) {
                _ = open.popLast()
            }

            func parser(_ parser: XMLParser, foundCharacters string: String) {
                if let e = open.last { tree.elements[e].text += string }
            }
        }
    }
}
