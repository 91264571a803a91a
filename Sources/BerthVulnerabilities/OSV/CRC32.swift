/// CRC-32 as used by ZIP (ISO 3309 / ITU-T V.42: reflected polynomial 0xEDB88320, initial
/// value and final XOR 0xFFFFFFFF). Written here because Foundation on Linux exposes no zlib.
/// Every archive entry's bytes are checked against the CRC its directory records, so a
/// damaged or tampered entry is refused instead of being parsed.
public enum CRC32 {
    /// One entry per byte value, computed once.
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? (0xEDB8_8320 ^ (c >> 1)) : (c >> 1)
        }
        return c
    }

    /// CRC-32 of `bytes`, optionally continuing from a previous `checksum`.
    public static func checksum<C: Collection>(_ bytes: C, continuing checksum: UInt32 = 0) -> UInt32
    where C.Element == UInt8 {
        let table = self.table
        var crc = ~checksum
        for byte in bytes {
            // The index is masked to 0...255, always inside the 256-entry table.
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return ~crc
    }
}
