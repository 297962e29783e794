import CKilnRuntime
import XCTest

/// A channels_last geometry as Keras builds it: "valid" or "same" (TF: total // 2 before, the rest after).
func convGeometry(_ inp: [Int], c: Int, k: [Int], stride: [Int] = [1, 1, 1], dilation: [Int] = [1, 1, 1],
                  same: Bool = false, f: Int, groups: Int = 1) -> kiln_conv_geometry {
    var out = [0, 0, 0], pad = [0, 0, 0]
    for a in 0..<3 {
        let span = (k[a] - 1) * dilation[a] + 1
        if same {
            out[a] = (inp[a] + stride[a] - 1) / stride[a]
            pad[a] = max((out[a] - 1) * stride[a] + span - inp[a], 0) / 2
        } else {
            out[a] = (inp[a] - span) / stride[a] + 1
        }
    }
    func t(_ v: [Int]) -> (Int32, Int32, Int32) { (Int32(v[0]), Int32(v[1]), Int32(v[2])) }
    return kiln_conv_geometry(in: t(inp), c: Int32(c), k: t(k), stride: t(stride), dilation: t(dilation), pad: t(pad),
                              out: t(out), f: Int32(f), groups: Int32(groups))
}

extension kiln_conv_geometry {
    var inSize: Int { Int(self.in.0) * Int(self.in.1) * Int(self.in.2) * Int(c) }
    var outPositions: Int { Int(out.0) * Int(out.1) * Int(out.2) }
    var outSize: Int { outPositions * Int(f) }
    var kernelCells: Int { Int(k.0) * Int(k.1) * Int(k.2) }
    var kernelSize: Int { kernelCells * Int(c / groups) * Int(f) }
}

final class CRuntimeConvTests: XCTestCase {
    typealias Conv = (UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, Int32,
                      UnsafePointer<kiln_conv_geometry>?) -> Void

    // (name, geometry): 1D, 2D, 3D; strides, dilation, "same" with odd and even kernels, groups,
    // depthwise (f = c and f = 2c), 1x1 (the pointwise path and a strided one), two big enough to
    // chunk im2col and split samples over the pool, and one whose chunks span samples.
    static let geometries: [(String, kiln_conv_geometry)] = [
        ("1D valid", convGeometry([1, 1, 9], c: 2, k: [1, 1, 3], f: 3)),
        ("1D stride 2 same", convGeometry([1, 1, 10], c: 3, k: [1, 1, 3], stride: [1, 1, 2], same: true, f: 4)),
        ("1D dilation 2", convGeometry([1, 1, 11], c: 2, k: [1, 1, 3], dilation: [1, 1, 2], f: 2)),
        ("1D same k4", convGeometry([1, 1, 8], c: 2, k: [1, 1, 4], same: true, f: 3)),
        ("2D valid 3x3", convGeometry([1, 7, 6], c: 3, k: [1, 3, 3], f: 5)),
        ("2D same 3x3", convGeometry([1, 6, 7], c: 4, k: [1, 3, 3], same: true, f: 6)),
        ("2D same 4x4", convGeometry([1, 7, 6], c: 2, k: [1, 4, 4], same: true, f: 3)),
        ("2D same 2x3 stride (1,2)", convGeometry([1, 6, 9], c: 3, k: [1, 2, 3], stride: [1, 1, 2], same: true, f: 4)),
        ("2D stride 2 same", convGeometry([1, 9, 8], c: 3, k: [1, 3, 3], stride: [1, 2, 2], same: true, f: 4)),
        ("2D stride 2 valid 2x2", convGeometry([1, 8, 9], c: 2, k: [1, 2, 2], stride: [1, 2, 2], f: 3)),
        ("2D dilation 2 same", convGeometry([1, 9, 9], c: 2, k: [1, 3, 3], dilation: [1, 2, 2], same: true, f: 3)),
        ("2D groups 2", convGeometry([1, 6, 6], c: 4, k: [1, 3, 3], same: true, f: 6, groups: 2)),
        ("2D groups 2 stride 2", convGeometry([1, 7, 7], c: 6, k: [1, 3, 3], stride: [1, 2, 2], f: 4, groups: 2)),
        ("2D depthwise", convGeometry([1, 6, 7], c: 5, k: [1, 3, 3], same: true, f: 5, groups: 5)),
        ("2D depthwise x2", convGeometry([1, 6, 7], c: 3, k: [1, 3, 3], f: 6, groups: 3)),
        ("2D depthwise stride 2", convGeometry([1, 9, 8], c: 4, k: [1, 3, 3], stride: [1, 2, 2], same: true, f: 8, groups: 4)),
        ("2D 1x1", convGeometry([1, 5, 6], c: 7, k: [1, 1, 1], f: 4)),
        ("2D 1x1 groups 2", convGeometry([1, 5, 6], c: 6, k: [1, 1, 1], f: 4, groups: 2)),
        ("2D 1x1 stride 2", convGeometry([1, 7, 7], c: 3, k: [1, 1, 1], stride: [1, 2, 2], f: 4)),
        ("3D same", convGeometry([4, 5, 6], c: 3, k: [3, 3, 3], same: true, f: 4)),
        ("3D stride (2,2,1) valid", convGeometry([5, 6, 5], c: 2, k: [2, 3, 2], stride: [2, 2, 1], f: 3)),
        ("3D dilation groups", convGeometry([5, 5, 5], c: 4, k: [2, 2, 2], dilation: [2, 1, 2], same: true, f: 4, groups: 2)),
        ("2D chunked im2col", convGeometry([1, 64, 64], c: 8, k: [1, 3, 3], f: 16)),
        ("2D depthwise split", convGeometry([1, 40, 40], c: 16, k: [1, 3, 3], same: true, f: 32, groups: 16)),
        // Deep and small (a late ResNet stage): at n=3, two chunks of the batch's rows that cut through samples.
        ("2D 7x7 deep", convGeometry([1, 7, 7], c: 256, k: [1, 3, 3], same: true, f: 64)),
        // Winograd F(2x2,3x3) (3x3, stride 1, c and f >= 16, c + f <= 512, tiles >= 32 and c f / 64): odd sides (a half-empty last tile),
        // channel counts off the vector width, "valid" (pads of 2 in the input gradient), and enough blocks for the pool.
        ("2D Winograd same", convGeometry([1, 13, 11], c: 17, k: [1, 3, 3], same: true, f: 20)),
        ("2D Winograd valid", convGeometry([1, 12, 9], c: 16, k: [1, 3, 3], f: 33)),
        ("2D Winograd blocks", convGeometry([1, 30, 34], c: 24, k: [1, 3, 3], same: true, f: 40)),
    ]

    override func tearDown() {
        kiln_set_num_threads(2)
    }

    /// Fast vs reference on one geometry: forward overwrites (z starts as NaN), backward kernels add onto
    /// prefilled buffers. Returns failure messages.
    func compare(_ name: String, _ geometry: kiln_conv_geometry, n: Int, seed: UInt64) -> [String] {
        var g = geometry
        var rng = TestRandom(seed: seed)
        let x = rng.array(n * g.inSize), w = rng.array(g.kernelSize), dz = rng.array(n * g.outSize)
        let dw0 = rng.array(g.kernelSize), dx0 = rng.array(n * g.inSize)
        let cg = Int(g.c / g.groups), fg = Int(g.f / g.groups)
        var failures: [String] = []
        func check(_ what: String, _ got: [Float], _ want: [Float], terms: Int) {
            let tol = 1e-5 + 2e-6 * Float(terms)  // float accumulation of `terms` products of |x| < 1
            let bad = zip(got, want).filter { !(abs($0 - $1) <= tol) }.count
            if bad > 0 { failures.append("\(name) n=\(n) \(what): \(bad) of \(got.count) differ") }
        }
        var z = [Float](repeating: .nan, count: n * g.outSize), zRef = z
        kiln_conv_forward(&z, x, w, Int32(n), &g)
        kiln_conv_forward_ref(&zRef, x, w, Int32(n), &g)
        check("forward", z, zRef, terms: g.kernelCells * cg)
        var dw = dw0, dwRef = dw0
        kiln_conv_backward_kernel(&dw, x, dz, Int32(n), &g)
        kiln_conv_backward_kernel_ref(&dwRef, x, dz, Int32(n), &g)
        check("backward kernel", dw, dwRef, terms: n * g.outPositions + 1)
        var dx = dx0, dxRef = dx0
        kiln_conv_backward_input(&dx, dz, w, Int32(n), &g)
        kiln_conv_backward_input_ref(&dxRef, dz, w, Int32(n), &g)
        check("backward input", dx, dxRef, terms: g.kernelCells * fg + 1)

        // The fused entry points against the reference and the separate bias/activation kernels.
        let bias = rng.array(Int(g.f)), db0 = rng.array(Int(g.f)), rows = Int32(n * g.outPositions)
        let act = activationID(seed % 2 == 0 ? KILN_RELU : KILN_SOFTMAX)  // elementwise, and one that reads whole rows
        var y = [Float](repeating: .nan, count: n * g.outSize), zFused = y, yRef = y
        kiln_conv_bias_act_forward(&y, &zFused, x, w, bias, Int32(n), &g, act, 0)
        kiln_bias_act_forward(&yRef, &zRef, bias, rows, g.f, act, 0)
        check("fused forward z", zFused, zRef, terms: g.kernelCells * cg + 1)
        check("fused forward y", y, yRef, terms: g.kernelCells * cg + 1)
        // Inference through conv, batch norm and ReLU in one call, against the three apart.
        let gamma = rng.array(Int(g.f)), beta = rng.array(Int(g.f)), mean = rng.array(Int(g.f))
        let variance = rng.array(Int(g.f)).map { $0 * $0 + 0.5 }
        var yBN = [Float](repeating: .nan, count: n * g.outSize), zSeparate = yBN, yRelu = yBN
        kiln_conv_batchnorm_forward(&yBN, x, w, bias, gamma, beta, mean, variance, 1e-3, Int32(n), &g, activationID(KILN_RELU), 0)
        kiln_conv_forward_ref(&zSeparate, x, w, Int32(n), &g)
        var zBiased = zSeparate, normalized = zSeparate
        kiln_bias_act_forward(&zBiased, &zSeparate, bias, rows, g.f, activationID(KILN_LINEAR), 0)
        kiln_batchnorm_forward_infer(&normalized, zBiased, gamma, beta, mean, variance, Int64(rows), g.f, 1e-3)
        kiln_bias_act_forward(&yRelu, &normalized, nil, rows, g.f, activationID(KILN_RELU), 0)
        check("conv, batch norm, relu", yBN, yRelu, terms: 4 * (g.kernelCells * cg + 1))
        var dwFused = dw0, db = db0, dbRef = db0
        kiln_conv_backward_kernel_bias(&dwFused, &db, x, dz, Int32(n), &g)
        kiln_bias_backward(&dbRef, dz, rows, g.f)
        check("fused backward kernel", dwFused, dwRef, terms: n * g.outPositions + 1)
        check("fused backward bias", db, dbRef, terms: n * g.outPositions + 1)
        return failures
    }

    func testFastMatchesReferenceOnGeometryTable() {
        for (i, (name, g)) in Self.geometries.enumerated() {
            for n in [1, 3] {
                for failure in compare(name, g, n: n, seed: UInt64(i * 11 + n)) { XCTFail(failure) }
            }
        }
    }

    func testOneAndThreeThreadsMatchReference() {
        let big = Self.geometries.filter {
            $0.0.hasPrefix("2D chunked") || $0.0.hasPrefix("2D depthwise split") || $0.0.hasPrefix("2D Winograd blocks")
        }
        for threads: Int32 in [1, 3] {
            kiln_set_num_threads(threads)
            for (name, g) in big {
                for failure in compare("\(name) threads=\(threads)", g, n: 4, seed: 5) { XCTFail(failure) }
            }
        }
    }

    /// Winograd is taken exactly where it applies: there its rounding differs from im2col's (and both match
    /// the reference, above); elsewhere turning it off changes no bit. (name, n, taken)
    func testWinogradTakesItsGeometriesOnly() {
        let rows: [(String, Int, Bool)] = [
            ("2D Winograd same", 1, true), ("2D Winograd valid", 3, true), ("2D Winograd blocks", 1, true),
            ("2D 7x7 deep", 3, false),  // 48 tiles: too few for 256 x 64 channels (c f / 64 = 256)
            ("2D chunked im2col", 2, false),  // 8 channels: too thin
            ("2D stride 2 same", 3, false), ("2D dilation 2 same", 3, false), ("2D groups 2", 3, false),
        ]
        defer { kiln_conv_set_winograd(1) }
        for (name, n, taken) in rows {
            var g = Self.geometries.first { $0.0 == name }!.1
            var rng = TestRandom(seed: 3)
            let x = rng.array(n * g.inSize), w = rng.array(g.kernelSize), dz = rng.array(n * g.outSize)
            var runs: [[Float]] = []
            for on: Int32 in [1, 0] {
                kiln_conv_set_winograd(on)
                var z = [Float](repeating: 0, count: n * g.outSize), dx = [Float](repeating: 0, count: n * g.inSize)
                kiln_conv_forward(&z, x, w, Int32(n), &g)
                kiln_conv_backward_input(&dx, dz, w, Int32(n), &g)
                runs.append(z + dx)
            }
            XCTAssertEqual(runs[0] != runs[1], taken, "\(name) n=\(n)")
        }
    }

    /// Conv then max pool in one call (inference) against the reference conv, the bias and activation, and
    /// the pool apart. (name, conv, pool size, pool strides, activation, bias, n): banded im2col and Winograd
    /// (odd sides whose last row and column no window reads, 3x3 windows whose bands start on even rows), and
    /// the overlapping windows that run as two calls.
    func testConvMaxPoolMatchesTheTwoApart() {
        let relu = activationID(KILN_RELU), sigmoid = activationID(KILN_SIGMOID)
        let rows: [(String, kiln_conv_geometry, Int, Int, Int32, Bool, Int)] = [
            ("im2col 2x2", convGeometry([1, 12, 10], c: 3, k: [1, 3, 3], same: true, f: 16), 2, 2, relu, true, 3),
            ("im2col bands", convGeometry([1, 80, 64], c: 3, k: [1, 3, 3], same: true, f: 32), 2, 2, relu, true, 2),
            ("im2col 5x5 stride 2 conv", convGeometry([1, 17, 15], c: 4, k: [1, 5, 5], stride: [1, 2, 2], f: 8), 2, 2, relu, true, 2),
            ("Winograd 2x2 odd", convGeometry([1, 13, 11], c: 16, k: [1, 3, 3], same: true, f: 24), 2, 2, relu, true, 3),
            ("Winograd 3x3", convGeometry([1, 14, 12], c: 16, k: [1, 3, 3], same: true, f: 16), 3, 3, sigmoid, false, 3),
            ("Winograd bands", convGeometry([1, 64, 48], c: 16, k: [1, 3, 3], same: true, f: 64), 2, 2, relu, true, 2),
            ("overlapping windows", convGeometry([1, 11, 9], c: 16, k: [1, 3, 3], same: true, f: 16), 3, 2, relu, true, 2),
        ]
        for (name, geometry, size, stride, act, hasBias, n) in rows {
            var g = geometry
            let spatial = [Int(g.out.0), Int(g.out.1), Int(g.out.2)]
            var p = convGeometry(spatial, c: Int(g.f), k: [1, size, size], stride: [1, stride, stride], f: Int(g.f), groups: Int(g.f))
            var rng = TestRandom(seed: 17)
            let x = rng.array(n * g.inSize), w = rng.array(g.kernelSize), bias = hasBias ? rng.array(Int(g.f)) : []
            var z = [Float](repeating: .nan, count: n * g.outSize), y = z
            kiln_conv_forward_ref(&z, x, w, Int32(n), &g)
            kiln_bias_act_forward(&y, &z, hasBias ? bias : nil, Int32(n * g.outPositions), g.f, act, 0)
            var want = [Float](repeating: .nan, count: n * p.outPositions * Int(g.f)), got = want
            kiln_max_pool_forward(&want, y, Int32(n), &p)
            kiln_conv_max_pool_forward(&got, x, w, hasBias ? bias : nil, Int32(n), &g, &p, act, 0)
            let tol = 1e-5 + 2e-6 * Float(g.kernelCells * Int(g.c))
            let bad = zip(got, want).filter { !(abs($0 - $1) <= tol) }.count
            XCTAssertEqual(bad, 0, "\(name): \(bad) of \(got.count) differ")
        }
    }

    // ---- the references by hand ----

    func testReferenceOnHandComputedCases() {
        // 1D [1,2,3,4] * [1,1] -> [3,5,7]; backward with dz = 1: dkernel [6,9], dinp [1,2,2,1]
        var g = convGeometry([1, 1, 4], c: 1, k: [1, 1, 2], f: 1)
        var z = [Float](repeating: 0, count: 3)
        kiln_conv_forward_ref(&z, [1, 2, 3, 4], [1, 1], 1, &g)
        XCTAssertEqual(z, [3, 5, 7])
        var dw: [Float] = [100, 200], dx: [Float] = [0, 0, 0, 10]
        kiln_conv_backward_kernel_ref(&dw, [1, 2, 3, 4], [1, 1, 1], 1, &g)
        kiln_conv_backward_input_ref(&dx, [1, 1, 1], [1, 1], 1, &g)
        XCTAssertEqual(dw, [106, 209])
        XCTAssertEqual(dx, [1, 2, 2, 11])

        // "same" with an even kernel: pad 1 before, 2 after
        g = convGeometry([1, 1, 4], c: 1, k: [1, 1, 4], same: true, f: 1)
        XCTAssertEqual(g.pad.2, 1)
        z = [Float](repeating: 0, count: 4)
        kiln_conv_forward_ref(&z, [1, 2, 3, 4], [1, 10, 100, 1000], 1, &g)
        XCTAssertEqual(z, [3210, 4321, 432, 43])

        // stride 2, dilation 2: taps x[2o] and x[2o+2]
        g = convGeometry([1, 1, 7], c: 1, k: [1, 1, 2], stride: [1, 1, 2], dilation: [1, 1, 2], f: 1)
        z = [Float](repeating: 0, count: 3)
        kiln_conv_forward_ref(&z, [1, 2, 3, 4, 5, 6, 7], [1, 1], 1, &g)
        XCTAssertEqual(z, [4, 8, 12])

        // groups 2, 1x1: each channel feeds its own filter; kernel (1,1,1, 1, 2)
        g = convGeometry([1, 1, 1], c: 2, k: [1, 1, 1], f: 2, groups: 2)
        z = [0, 0]
        kiln_conv_forward_ref(&z, [3, 5], [2, 10], 1, &g)
        XCTAssertEqual(z, [6, 50])
        dw = [0, 0]
        dx = [0, 0]
        kiln_conv_backward_kernel_ref(&dw, [3, 5], [1, 1], 1, &g)
        kiln_conv_backward_input_ref(&dx, [1, 1], [2, 10], 1, &g)
        XCTAssertEqual(dw, [3, 5])
        XCTAssertEqual(dx, [2, 10])

        // 2D "same" 3x3 of ones on a 3x3 input of 1...9: the corner sums its 4 in-bounds cells
        g = convGeometry([1, 3, 3], c: 1, k: [1, 3, 3], same: true, f: 1)
        z = [Float](repeating: 0, count: 9)
        kiln_conv_forward_ref(&z, (1...9).map(Float.init), [Float](repeating: 1, count: 9), 1, &g)
        XCTAssertEqual(z, [12, 21, 16, 27, 45, 33, 24, 39, 28])
    }

    /// The loss L = sum(dz * z(inp, kernel)) is linear in each, so central differences of the reference
    /// forward are exact up to rounding: they must match the reference backward kernels.
    func testReferenceBackwardMatchesFiniteDifferences() {
        let cases = [
            convGeometry([1, 1, 7], c: 2, k: [1, 1, 4], stride: [1, 1, 2], same: true, f: 2),
            convGeometry([1, 5, 4], c: 2, k: [1, 3, 2], dilation: [1, 2, 1], same: true, f: 3),
            convGeometry([1, 5, 5], c: 4, k: [1, 3, 3], stride: [1, 2, 2], f: 4, groups: 2),
            convGeometry([1, 4, 5], c: 3, k: [1, 3, 3], same: true, f: 6, groups: 3),
            convGeometry([3, 3, 4], c: 2, k: [2, 2, 3], stride: [2, 1, 1], same: true, f: 2),
        ]
        for (ci, geometry) in cases.enumerated() {
            var g = geometry
            let n = 2
            var rng = TestRandom(seed: UInt64(100 + ci))
            var x = rng.array(n * g.inSize), w = rng.array(g.kernelSize)
            let dz = rng.array(n * g.outSize)
            func loss() -> Double {
                var z = [Float](repeating: 0, count: n * g.outSize)
                kiln_conv_forward_ref(&z, x, w, Int32(n), &g)
                return zip(z, dz).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }
            var dw = [Float](repeating: 0, count: g.kernelSize), dx = [Float](repeating: 0, count: n * g.inSize)
            kiln_conv_backward_kernel_ref(&dw, x, dz, Int32(n), &g)
            kiln_conv_backward_input_ref(&dx, dz, w, Int32(n), &g)
            let h: Float = 0.25
            for i in 0..<w.count {
                let w0 = w[i]
                w[i] = w0 + h; let up = loss()
                w[i] = w0 - h; let down = loss()
                w[i] = w0
                XCTAssertEqual((up - down) / Double(2 * h), Double(dw[i]), accuracy: 1e-4, "case \(ci) dkernel[\(i)]")
            }
            for i in 0..<x.count {
                let x0 = x[i]
                x[i] = x0 + h; let up = loss()
                x[i] = x0 - h; let down = loss()
                x[i] = x0
                XCTAssertEqual((up - down) / Double(2 * h), Double(dx[i]), accuracy: 1e-4, "case \(ci) dinp[\(i)]")
            }
        }
    }
}

final class CRuntimePoolTests: XCTestCase {
    // Pool geometries (c = f, dilation 1): 2x2/2 valid, 3x3/2 and 3x3/1 same (odd sizes, windows past
    // the edges), even 2x2 same, 1D, 3D; c = 70 crosses a block of 64 channels.
    static let geometries: [(String, kiln_conv_geometry)] = [
        ("2D 2x2/2 valid", convGeometry([1, 7, 8], c: 3, k: [1, 2, 2], stride: [1, 2, 2], f: 3)),
        ("2D 3x3/2 same", convGeometry([1, 7, 8], c: 3, k: [1, 3, 3], stride: [1, 2, 2], same: true, f: 3)),
        ("2D 3x3/1 same c70", convGeometry([1, 5, 6], c: 70, k: [1, 3, 3], same: true, f: 70)),
        ("2D 2x2/1 same", convGeometry([1, 5, 5], c: 2, k: [1, 2, 2], same: true, f: 2)),
        ("1D 3/2 same", convGeometry([1, 1, 9], c: 4, k: [1, 1, 3], stride: [1, 1, 2], same: true, f: 4)),
        ("3D 2x2x2/2 valid", convGeometry([4, 5, 4], c: 3, k: [2, 2, 2], stride: [2, 2, 2], f: 3)),
        ("2D big 2x2/2", convGeometry([1, 64, 64], c: 32, k: [1, 2, 2], stride: [1, 2, 2], f: 32)),
    ]

    /// Values on a coarse grid, so windows often hold ties.
    func coarse(_ count: Int, seed: UInt64) -> [Float] {
        var rng = TestRandom(seed: seed)
        return (0..<count).map { _ in (rng.uniform(-2, 2)).rounded() }
    }

    /// For each output value (n, positions, c), its window's in-bounds input offsets in row-major order.
    func windows(_ g: kiln_conv_geometry, n: Int) -> [[Int]] {
        let c = Int(g.c), ins = [Int(g.in.0), Int(g.in.1), Int(g.in.2)], outs = [Int(g.out.0), Int(g.out.1), Int(g.out.2)]
        let ks = [Int(g.k.0), Int(g.k.1), Int(g.k.2)], ss = [Int(g.stride.0), Int(g.stride.1), Int(g.stride.2)]
        let ps = [Int(g.pad.0), Int(g.pad.1), Int(g.pad.2)]
        var result: [[Int]] = []
        for b in 0..<n {
            for o0 in 0..<outs[0] { for o1 in 0..<outs[1] { for o2 in 0..<outs[2] {
                var cells: [Int] = []
                for j0 in 0..<ks[0] { for j1 in 0..<ks[1] { for j2 in 0..<ks[2] {
                    let i = [o0 * ss[0] - ps[0] + j0, o1 * ss[1] - ps[1] + j1, o2 * ss[2] - ps[2] + j2]
                    if (0..<3).allSatisfy({ i[$0] >= 0 && i[$0] < ins[$0] }) {
                        cells.append((((b * ins[0] + i[0]) * ins[1] + i[1]) * ins[2] + i[2]) * c)
                    }
                }}}
                result.append(contentsOf: (0..<c).map { ch in cells.map { $0 + ch } })
            }}}
        }
        return result
    }

    func testMaxAndAveragePoolMatchDirectReference() {
        for (gi, (name, geometry)) in Self.geometries.enumerated() {
            var g = geometry
            for n in [1, 3] {
                let x = coarse(n * g.inSize, seed: UInt64(gi * 5 + n)), dout = coarse(n * g.outSize, seed: UInt64(gi + 77))
                let dx0 = coarse(n * g.inSize, seed: 9)
                let win = windows(g, n: n)
                // max: value, and the gradient to the first maximum
                var out = [Float](repeating: .nan, count: n * g.outSize)
                kiln_max_pool_forward(&out, x, Int32(n), &g)
                var wantOut = [Float](repeating: 0, count: out.count), wantDx = dx0
                for (o, cells) in win.enumerated() {
                    let m = cells.map { x[$0] }.max()!
                    wantOut[o] = m
                    wantDx[cells.first { x[$0] == m }!] += dout[o]
                }
                XCTAssertEqual(out, wantOut, "\(name) n=\(n) max forward")
                var dx = dx0
                kiln_max_pool_backward(&dx, dout, x, out, Int32(n), &g)
                XCTAssertEqual(dx, wantDx, "\(name) n=\(n) max backward")
                // average: divides by the in-bounds cells
                kiln_avg_pool_forward(&out, x, Int32(n), &g)
                wantDx = dx0
                var worst: Float = 0
                for (o, cells) in win.enumerated() {
                    let mean = cells.reduce(Float(0)) { $0 + x[$1] } / Float(cells.count)
                    worst = max(worst, abs(out[o] - mean))
                    for cell in cells { wantDx[cell] += dout[o] / Float(cells.count) }
                }
                XCTAssertLessThanOrEqual(worst, 1e-5, "\(name) n=\(n) avg forward")
                dx = dx0
                kiln_avg_pool_backward(&dx, dout, Int32(n), &g)
                let worstDx = zip(dx, wantDx).map { abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(worstDx, 1e-5, "\(name) n=\(n) avg backward")
            }
        }
    }

    func testPoolingHandComputedCases() {
        // 2x2 max pool over ties: the gradient goes to the first maximum in row-major order
        var g = convGeometry([1, 2, 2], c: 1, k: [1, 2, 2], stride: [1, 2, 2], f: 1)
        for (x, want) in [([5, 5, 5, 5], [1, 0, 0, 0]), ([1, 2, 7, 7], [0, 0, 1, 0]), ([1, 9, 3, 9], [0, 1, 0, 0])] as [([Float], [Float])] {
            var out: [Float] = [0]
            kiln_max_pool_forward(&out, x, 1, &g)
            XCTAssertEqual(out, [x.max()!])
            var dx: [Float] = [0, 0, 0, 0]
            kiln_max_pool_backward(&dx, [1], x, out, 1, &g)
            XCTAssertEqual(dx, want, "\(x)")
        }
        // "same" 3x3 average over 1...9: the corner divides by 4, an edge by 6, the center by 9
        g = convGeometry([1, 3, 3], c: 1, k: [1, 3, 3], same: true, f: 1)
        var out = [Float](repeating: 0, count: 9)
        kiln_avg_pool_forward(&out, (1...9).map(Float.init), 1, &g)
        XCTAssertEqual(out[0], 3, accuracy: 1e-6)    // (1+2+4+5)/4
        XCTAssertEqual(out[1], 3.5, accuracy: 1e-6)  // (1+2+3+4+5+6)/6
        XCTAssertEqual(out[4], 5, accuracy: 1e-6)
        var dx = [Float](repeating: 0, count: 9)
        kiln_avg_pool_backward(&dx, [1, 0, 0, 0, 0, 0, 0, 0, 0], 1, &g)
        XCTAssertEqual(dx, [0.25, 0.25, 0, 0.25, 0.25, 0, 0, 0, 0])
        // global: max ties go to the first position
        let x: [Float] = [1, 4, 3, 4, 3, 0]  // (spatial 3, c 2)
        var gout: [Float] = [0, 0]
        kiln_global_max_pool_forward(&gout, x, 1, 3, 2)
        XCTAssertEqual(gout, [3, 4])
        var gdx = [Float](repeating: 1, count: 6)
        kiln_global_max_pool_backward(&gdx, [10, 20], x, gout, 1, 3, 2)
        XCTAssertEqual(gdx, [1, 21, 11, 1, 1, 1])
        kiln_global_avg_pool_forward(&gout, x, 1, 3, 2)
        XCTAssertEqual(gout[0], 7.0 / 3, accuracy: 1e-6)
        XCTAssertEqual(gout[1], 8.0 / 3, accuracy: 1e-6)
        gdx = [Float](repeating: 0, count: 6)
        kiln_global_avg_pool_backward(&gdx, [3, 6], 1, 3, 2)
        XCTAssertEqual(gdx, [1, 2, 1, 2, 1, 2])
    }

    func testGlobalPoolingMatchesDirectReference() {
        for (n, spatial, c) in [(1, 1, 1), (3, 7, 5), (2, 30, 70)] {
            let x = coarse(n * spatial * c, seed: UInt64(spatial)), dout = coarse(n * c, seed: 3), dx0 = coarse(n * spatial * c, seed: 4)
            var maxOut = [Float](repeating: 0, count: n * c), avgOut = maxOut
            kiln_global_max_pool_forward(&maxOut, x, Int32(n), Int32(spatial), Int32(c))
            kiln_global_avg_pool_forward(&avgOut, x, Int32(n), Int32(spatial), Int32(c))
            var wantMaxDx = dx0, wantAvgDx = dx0
            for b in 0..<n {
                for ch in 0..<c {
                    let cells = (0..<spatial).map { (b * spatial + $0) * c + ch }
                    let m = cells.map { x[$0] }.max()!
                    XCTAssertEqual(maxOut[b * c + ch], m)
                    XCTAssertEqual(avgOut[b * c + ch], cells.reduce(Float(0)) { $0 + x[$1] } / Float(spatial), accuracy: 1e-5)
                    wantMaxDx[cells.first { x[$0] == m }!] += dout[b * c + ch]
                    for cell in cells { wantAvgDx[cell] += dout[b * c + ch] / Float(spatial) }
                }
            }
            var dx = dx0
            kiln_global_max_pool_backward(&dx, dout, x, maxOut, Int32(n), Int32(spatial), Int32(c))
            XCTAssertEqual(dx, wantMaxDx, "global max backward n=\(n) spatial=\(spatial) c=\(c)")
            dx = dx0
            kiln_global_avg_pool_backward(&dx, dout, Int32(n), Int32(spatial), Int32(c))
            XCTAssertLessThanOrEqual(zip(dx, wantAvgDx).map { abs($0 - $1) }.max()!, 1e-5)
        }
    }
}
