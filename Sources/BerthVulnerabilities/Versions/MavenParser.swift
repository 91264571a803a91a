/// Maven's `ComparableVersion.parseVersion`: splits a version into nested item lists.
///
/// The split rules are where Maven's order gets its surprises ('.' stays on a level, '-'
/// and digit/letter transitions open a sub-list, a qualifier after '.' acts as if it followed
/// '-'), so they are ported step by step. Java builds the nesting through shared list
/// references; here a stack of open lists is folded at the end, innermost first, which is
/// the order in which Java normalises them. A sub-list is always the last item of its
/// parent, so appending it when folding yields the same tree.
enum MavenParser {
    static func parse(_ text: String) -> [MavenItem] {
        // Maven lowercases with the English locale. Only ASCII digits count as digits: Java's
        // `Character.isDigit` would also accept other scripts' digits, whose meaning depends
        // on the JDK's Unicode tables, and Maven 4 dropped that too.
        let scalars = Array(text.lowercased().unicodeScalars)
        var stack: [[MavenItem]] = [[]]
        var isDigit = false
        var start = 0

        func add(_ item: MavenItem) { stack[stack.count - 1].append(item) }
        func openList() { stack.append([]) }
        func currentIsEmpty() -> Bool { stack[stack.count - 1].isEmpty }
        func substring(_ from: Int, _ to: Int) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[from..<to])
            return String(view)
        }
        func item(_ from: Int, _ to: Int, digits: Bool) -> MavenItem {
            if digits {
                let bytes = scalars[from..<to].map { UInt8(truncatingIfNeeded: $0.value) }
                return .number(Array(VersionText.strippingZeros(bytes[...])))
            }
            return .qualifier(MavenQualifier(substring(from, to), followedByDigit: false))
        }

        for (i, c) in scalars.enumerated() {
            if c == "." {
                add(i == start ? .number([]) : item(start, i, digits: isDigit))
                start = i + 1
            } else if c == "-" {
                add(i == start ? .number([]) : item(start, i, digits: isDigit))
                start = i + 1
                openList()
            } else if isASCIIDigit(c) {
                if !isDigit && i > start {
                    // 1.0.0.X1 < 1.0.0-X2: a qualifier after '.' is treated as after '-'.
                    if !currentIsEmpty() { openList() }
                    add(.qualifier(MavenQualifier(substring(start, i), followedByDigit: true)))
                    start = i
                    openList()
                }
                isDigit = true
            } else {
                if isDigit && i > start {
                    add(item(start, i, digits: true))
                    start = i
                    openList()
                }
                isDigit = false
            }
        }
        if scalars.count > start {
            if !isDigit && !currentIsEmpty() { openList() }
            add(item(start, scalars.count, digits: isDigit))
        }

        var folded = normalize(stack.removeLast())
        while var parent = stack.popLast() {
            parent.append(.list(folded))
            folded = normalize(parent)
        }
        return folded
    }

    private static func isASCIIDigit(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x30 && s.value <= 0x39
    }

    /// Java's `ListItem.normalize`: drop trailing null items (0, "", ga/final/release, empty
    /// list), looking through sub-lists but stopping at the first other non-null item.
    private static func normalize(_ list: [MavenItem]) -> [MavenItem] {
        var items = list
        var i = items.count - 1
        while i >= 0 {
            if items[i].isNull {
                items.remove(at: i)
            } else if case .list = items[i] {
                // keep looking before a non-empty sub-list
            } else {
                break
            }
            i -= 1
        }
        return items
    }
}
