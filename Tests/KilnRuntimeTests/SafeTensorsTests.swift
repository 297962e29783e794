import Foundation
import XCTest
@testable import KilnRuntime

final class SafeTensorsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A file from a header (padded to 8 bytes as writers do) and raw data bytes.
    func file(_ header: String, _ body: [UInt8] = []) -> Data {
        var json = Array(header.utf8)
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        return data + json + body
    }
    func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    func testExactBytesOfAKilnFile() throws {
        let data = try SafeTensors.encode([("dense/kernel", Tensor(shape: [2, 1], scalars: [1, -2])), ("dense/bias", Tensor([0.5]))],
                                          metadata: ["model": "Probe", "format": "kiln"])
        let header = #"{"__metadata__":{"format":"kiln","model":"Probe"},"dense/kernel":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},"dense/bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        XCTAssertEqual(data, file(header, bytes([Float(1), -2, 0.5])))
        XCTAssertEqual(data.prefix(8), Data([184, 0, 0, 0, 0, 0, 0, 0]))  // 179 header bytes padded to 184
    }

    func testRoundTripKeepsShapesOrderAndMetadata() throws {
        let tensors: [(name: String, tensor: Tensor)] = [
            ("z", Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, -6.25])),
            ("a \"quoted\"\\name", Tensor(shape: [], scalars: [7])),
            ("empty", Tensor(shape: [0, 3], scalars: [])),
            ("m", Tensor([.greatestFiniteMagnitude, -.leastNonzeroMagnitude, 0])),
        ]
        let url = directory.appendingPathComponent("t.safetensors")
        try SafeTensors.write(tensors, metadata: ["format": "kiln", "note": "line\nbreak"], to: url)
        let read = try SafeTensors.read(from: url)
        XCTAssertEqual(read.order, tensors.map(\.name))
        for (name, tensor) in tensors { XCTAssertEqual(read.tensors[name], tensor, name) }
        XCTAssertEqual(Set(read.dtypes.values), ["F32"])
        XCTAssertEqual(read.metadata, ["format": "kiln", "note": "line\nbreak"])
    }

    func testReadsWhatPythonSafetensorsWritesForFixtures() throws {
        // As safetensors.numpy.save_file lays it out: keys sorted, wider dtypes first.
        let header = #"{"__metadata__":{"format":"np"},"f64":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"i64":{"dtype":"I64","shape":[1,2],"data_offsets":[16,32]},"i32":{"dtype":"I32","shape":[1],"data_offsets":[32,36]},"bf16":{"dtype":"BF16","shape":[1],"data_offsets":[36,38]},"f16":{"dtype":"F16","shape":[1],"data_offsets":[38,40]},"mask":{"dtype":"BOOL","shape":[2],"data_offsets":[40,42]}}"#
        let body = bytes([1.5, -2.25]) + bytes([Int64(3), -4]) + bytes([Int32(-7)]) + bytes([UInt16(0x3F80), 0x3800]) + [1, 0]
        let read = try SafeTensors.decode(file(header, body))
        let expected: [String: Tensor] = [
            "f64": Tensor([1.5, -2.25]), "i64": Tensor(shape: [1, 2], scalars: [3, -4]), "i32": Tensor([-7]),
            "bf16": Tensor([1]), "f16": Tensor([0.5]), "mask": Tensor([1, 0]),
        ]
        XCTAssertEqual(read.tensors, expected)
        XCTAssertEqual(read.order, ["f64", "i64", "i32", "bf16", "f16", "mask"])
        XCTAssertEqual(read.dtypes["f64"], "F64")
        XCTAssertEqual(read.metadata, ["format": "np"])
    }

    /// An 8-byte header length, then spaces up to `fileBytes`.
    func header(length: UInt64, fileBytes: Int) -> Data {
        var data = withUnsafeBytes(of: length.littleEndian) { Data($0) }
        data.append(Data(repeating: UInt8(ascii: " "), count: fileBytes - 8))
        return data
    }

    func testMalformedFilesAreRefusedWithTheReason() throws {
        let f32 = bytes([Float(1), 2])
        let rows: [(Data, String)] = [
            (Data([1, 0, 0, 0]), "not a safetensors file (4 bytes, shorter than the 8-byte header length)"),
            (Data(repeating: 0xFF, count: 8) + Data("{}".utf8), "header length 18446744073709551615 exceeds the safetensors limit of 100000000 bytes"),
            (file("[1, 2]"), "the header is not a JSON object"),
            (file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#, f32), "the header is not a JSON object"),
            (file(#"{"a":{"dtype":"F32","shape":[2]}}"#, f32), "tensor 'a' has a malformed header entry (needs dtype, shape and two data_offsets)"),
            (file(#"{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, f32),
             "tensor 'a' has dtype C64; Kiln reads BF16, BOOL, F16, F32, F64, I16, I32, I64, I8, U8"),
            (file(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, f32), "tensor 'a' data_offsets [0, 8] do not hold shape (3,) of F32"),
            (file(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, f32), "tensor 'a' has a negative dimension in shape (-1,)"),
            (file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[],"data_offsets":[8,12]}}"#, f32 + f32),
             "tensor 'b' data_offsets [8, 12] leave a gap after byte 4"),
            (file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, f32),
             "tensor 'b' data_offsets [4, 8] overlap the previous tensor"),
            (file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, f32), "the header describes 4 bytes of tensor data, the file holds 8"),
            (file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, Array(f32.prefix(6))), "the header describes 8 bytes of tensor data, the file holds 6"),
            (file(#"{"__metadata__":{"n":1}}"#), "__metadata__ must map strings to strings"),
            // count * 8 overflows: it trapped.
            (file(#"{"a":{"dtype":"F64","shape":[1152921504606846976],"data_offsets":[0,8]}}"#, f32),
             "tensor 'a' has too many bytes for shape (1152921504606846976,) of F64"),
            (file(#"{"a":{"dtype":"F32","shape":[4611686018427387904, 4],"data_offsets":[0,8]}}"#, f32),
             "tensor 'a' has too many elements in shape (4611686018427387904, 4)"),
            // Over the cap, the cap is the reason, whether or not the file is that long.
            (header(length: 100_000_001, fileBytes: 100_000_009), "header length 100000001 exceeds the safetensors limit of 100000000 bytes"),
            (header(length: 100_000_001, fileBytes: 16), "header length 100000001 exceeds the safetensors limit of 100000000 bytes"),
            (header(length: 9, fileBytes: 16), "header length 9 does not fit the file (16 bytes)"),
        ]
        for (data, reason) in rows {
            XCTAssertThrowsError(try SafeTensors.decode(data, source: "w.safetensors"), reason) {
                XCTAssertEqual(($0 as? KilnError)?.description, "w.safetensors: " + reason)
            }
        }
        XCTAssertThrowsError(try SafeTensors.read(from: directory.appendingPathComponent("none.safetensors"))) {
            XCTAssertTrue(($0 as? KilnError)?.description.hasPrefix("cannot read \(self.directory.path)/none.safetensors: ") ?? false)
        }
    }

    func testWriterRefusesAmbiguousNames() {
        let rows: [([(name: String, tensor: Tensor)], String)] = [
            ([("a", Tensor([1])), ("a", Tensor([2]))], "safetensors: tensor name 'a' appears twice"),
            ([("__metadata__", Tensor([1]))], "safetensors: '__metadata__' is reserved and cannot name a tensor"),
        ]
        for (tensors, message) in rows {
            XCTAssertThrowsError(try SafeTensors.encode(tensors)) { XCTAssertEqual(($0 as? KilnError)?.description, message) }
        }
    }

    func testAFailedWriteLeavesTheOldFileWholeAndNoTemporary() throws {
        let url = directory.appendingPathComponent("w.safetensors")
        try SafeTensors.write([("a", Tensor([1, 2, 3]))], to: url)
        let original = try Data(contentsOf: url)
        let replacement = try SafeTensors.encode([("a", Tensor([4, 5, 6]))])
        for cut in [0, 5, replacement.count - 1] {  // a crash before, inside and at the end of the data
            XCTAssertThrowsError(try SafeTensors.write(replacement, to: url, failAfterBytes: cut)) {
                XCTAssertEqual(($0 as? KilnError)?.description, "cannot write \(url.path): simulated failure after \(cut) bytes")
            }
            XCTAssertEqual(try Data(contentsOf: url), original)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["w.safetensors"])
        }
        let missing = directory.appendingPathComponent("no/such/dir/w.safetensors")
        XCTAssertThrowsError(try SafeTensors.write([("a", Tensor([1]))], to: missing)) {
            XCTAssertEqual(($0 as? KilnError)?.description, "cannot write \(missing.path): No such file or directory")
        }
        try SafeTensors.write(replacement, to: url, failAfterBytes: nil)
        XCTAssertEqual(try SafeTensors.read(from: url).tensors["a"], Tensor([4, 5, 6]))
    }

    // MARK: - model weights files

    func testModelWeightsRoundTripWithKerasNamesAndMetadata() throws {
        let url = directory.appendingPathComponent("probe.safetensors")
        let model = probeModel(seed: 1)
        try model.saveWeights(to: url)
        let read = try SafeTensors.read(from: url)
        XCTAssertEqual(read.order, ["dense/kernel", "dense/bias"])
        XCTAssertEqual(read.tensors["dense/kernel"]?.shape, [3, 1])
        XCTAssertEqual(read.metadata, ["format": "kiln", "model": "Probe", "kiln_version": kilnRuntimeVersion])
        let other = probeModel(seed: 2)
        XCTAssertNotEqual(other.parameters, model.parameters)
        try other.loadWeights(from: url)
        XCTAssertEqual(other.parameters, model.parameters)
    }

    func testLoadNamesTheFirstMismatchAndChangesNothing() throws {
        let kernel = Tensor(shape: [3, 1], scalars: [1, 2, 3]), bias = Tensor([4])
        let rows: [([(name: String, tensor: Tensor)], String)] = [
            ([("dense/kernel", Tensor([1, 2, 3])), ("dense/bias", bias)], "weight 'dense/kernel' of Probe has shape (3, 1), received (3,)"),
            ([("dense/kernel", kernel)], "%@ has no tensor 'dense/bias' (it holds dense/kernel)"),
            ([("dense/kernel", kernel), ("dense/bias", bias), ("dense_1/bias", bias)],
             "%@ holds tensor 'dense_1/bias', which is not a weight of Probe (its weights are dense/kernel, dense/bias)"),
        ]
        let url = directory.appendingPathComponent("bad.safetensors")
        let model = probeModel(seed: 3)
        let before = model.parameters
        for (tensors, message) in rows {
            try SafeTensors.write(tensors, to: url)
            XCTAssertThrowsError(try model.loadWeights(from: url)) {
                XCTAssertEqual(($0 as? KilnError)?.description, message.replacingOccurrences(of: "%@", with: url.path))
            }
            XCTAssertEqual(model.parameters, before)
        }
        // A float64 file (as numpy writes by default) is refused rather than silently narrowed.
        let header = #"{"dense/kernel":{"dtype":"F64","shape":[3,1],"data_offsets":[0,24]},"dense/bias":{"dtype":"F32","shape":[1],"data_offsets":[24,28]}}"#
        try file(header, bytes([1.0, 2.0, 3.0]) + bytes([Float(4)])).write(to: url)
        XCTAssertThrowsError(try model.loadWeights(from: url)) {
            XCTAssertEqual(($0 as? KilnError)?.description, "weight 'dense/kernel' of Probe is float32 (F32), \(url.path) stores it as F64")
        }
        XCTAssertEqual(model.parameters, before)
    }
}
