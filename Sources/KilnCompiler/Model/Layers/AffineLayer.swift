import KilnCore

/// A layer that is a linear map of its input plus a bias, then an activation: Dense and the
/// convolutions. It names its three products (forward, kernel gradient, input gradient); the
/// kernels around them, their calls and their buffers are written once here.
///
/// One forward and one backward signature wherever the layer sits; a buffer the layer's config
/// or position leaves unused (z when linear, b without bias, dinp for the first layer, dw and db
/// when frozen) is passed as NULL and never read.
protocol AffineLayer: LayerKind {
    var activation: ActivationKind { get }
    var useBias: Bool { get }
    var kernelInitializer: Initializer { get }
    var biasInitializer: Initializer { get }
    var kernelL2: Float? { get }
    /// Output channels: the bias's length, the last axis of the output.
    var units: Int { get }
    /// Statics the products use (a convolution's geometry), before the kernels.
    func cDeclarations(_ c: CLayerContext) -> String
    /// `z = inp . w` (overwriting `z`).
    func forwardProduct(_ c: CLayerContext, into z: String) -> String
    /// `out = act(inp . w + b)` with `z` the pre-activation, in one call that applies the bias and
    /// activation while the product is in cache; nil: the product, then one pass of bias and activation.
    func fusedForward(_ c: CLayerContext, into z: String, bias: String) -> String?
    /// `dw += ...` and `db += ...` in one call that reads `dz` once; nil: the two apart.
    func fusedKernelAndBiasGradient(_ c: CLayerContext) -> String?
    /// `dw += ...` from `inp` and `dz`, with a comment.
    func kernelGradient(_ c: CLayerContext) -> String
    /// `dinp += ...` from `dz` and `w`, with a comment.
    func inputGradient(_ c: CLayerContext) -> String
    /// The weight's shape, for the kernel's comment.
    func kernelShape(_ c: CLayerContext) -> [Int]
}

extension AffineLayer {
    var alpha: Float { activation.defaultAlpha }
    var buffers: LayerBuffers { LayerBuffers(preActivation: activation != .linear) }
    var fusedActivation: (kind: ActivationKind, alpha: Float)? { (activation, alpha) }
    func cDeclarations(_ c: CLayerContext) -> String { "" }
    func fusedForward(_ c: CLayerContext, into z: String, bias: String) -> String? { nil }
    func fusedKernelAndBiasGradient(_ c: CLayerContext) -> String? { nil }

    /// The Keras arguments after the layer's own: activation, bias, initializers, regularizer.
    var kerasAffineArguments: [String] {
        var args = ["activation=\(Python.string(activation.kerasName))"]
        if !useBias { args.append("use_bias=False") }
        args.append("kernel_initializer=\(Python.initializer(kernelInitializer))")
        if useBias { args.append("bias_initializer=\(Python.initializer(biasInitializer))") }
        if let kernelL2 { args.append("kernel_regularizer=\(Python.l2(kernelL2))") }
        return args
    }

    /// Rows of the bias-and-activation view: every output position of every sample.
    func outputRows(_ c: CLayerContext) -> String { c.rows(c.node.outputShape) }

    func cKernels(_ c: CLayerContext) -> String {
        let r = outputRows(c)
        let z = activation == .linear ? "out" : "z"
        var out = cDeclarations(c)
        out += "static void \(c.forwardName)(float *out, float *z, const float *inp, const float *w, const float *b, int n) {\n"
        out += "    // out\(activation == .linear ? "" : ", z") \(c.outShape); inp \(c.inShape); w \(CFormat.shape(kernelShape(c)))\(useBias ? "; b (\(units))" : "")\n"
        if activation == .linear { out += "    (void)z;\n" }
        let bias = useBias ? "b" : "NULL"
        if (useBias || activation != .linear), let fused = fusedForward(c, into: z, bias: bias) {
            out += "    \(fused)\n"
        } else {
            out += "    \(forwardProduct(c, into: z))\n"
            if useBias || activation != .linear {
                out += "    kiln_bias_act_forward(out, \(z), \(bias), \(r), \(units), \(activation.cName), \(CFormat.float(alpha)));\n"
            }
        }
        out += "}\n"
        guard c.emitBackward else { return out + "\n" }
        out += "static void \(c.backwardName)(float *dinp, float *dw, float *db, float *dz, const float *dout, const float *z, const float *out, const float *inp, const float *w, int n) {\n"
        out += "    // dz \(c.outShape) is dLoss/d(pre-activation)\(c.activationGradientWritten ? ", " + c.activationGradientSource : activation == .linear ? ", the same buffer as dout" : "")\n"
        if activation != .linear && !c.activationGradientWritten {
            out += "    kiln_act_backward(dz, dout, z, out, \(r), \(units), \(activation.cName), \(CFormat.float(alpha)));  // dz += dout * act'\n"
        }
        if c.node.trainable {
            if useBias, let fused = fusedKernelAndBiasGradient(c) {
                out += "    \(fused)\n"
            } else {
                out += "    \(kernelGradient(c))\n"
                if useBias { out += "    kiln_bias_backward(db, dz, \(r), \(units));  // db (\(units)) += column sums of dz\n" }
            }
        }
        if c.layer.needsInputGradient {
            out += "    \(inputGradient(c))\n"
        }
        return out + "}\n\n"
    }

    func forwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer
        let args = [c.act(layer.output), c.preActivationArgument(activation), c.act(layer.input), c.param(layer.weights[0]),
                    useBias ? c.param(layer.weights[1]) : "NULL", "n"]
        return "\(c.forwardName)(\(args.joined(separator: ", ")));"
    }

    func backwardCall(_ c: CLayerContext) -> String? {
        let layer = c.layer, trainable = layer.node.trainable
        let args = [layer.needsInputGradient ? c.dact(layer.input) : "NULL",
                    trainable ? c.grad(layer.weights[0]) : "NULL",
                    trainable && useBias ? c.grad(layer.weights[1]) : "NULL",
                    c.dact(layer.preActivation ?? layer.output), c.activationGradientWritten ? "NULL" : c.dact(layer.output),
                    c.preActivationArgument(activation), c.act(layer.output), c.act(layer.input), c.param(layer.weights[0]), "n"]
        return "\(c.backwardName)(\(args.joined(separator: ", ")));"
    }
}

/// A direct convolution (Conv, DepthwiseConv): its products are the runtime's convolution
/// kernels over one geometry, which the kind declares with its groups.
protocol ConvolutionLayer: AffineLayer {
    var window: SpatialWindow { get }
    /// The geometry's groups for an input of `channels` channels (Conv's `groups`; depthwise: one per channel).
    func geometryGroups(channels: Int) -> Int
}

extension ConvolutionLayer {
    func geometryName(_ c: CLayerContext) -> String { "\(c.name)_geometry" }

    func cDeclarations(_ c: CLayerContext) -> String {
        let spatial = Array(c.node.inputShape.dropLast()), channels = c.node.inputShape.last!
        return "static const kiln_conv_geometry \(geometryName(c)) = \(window.cGeometry(input: spatial, channels: channels, filters: units, groups: geometryGroups(channels: channels)));\n"
    }

    func kernelShape(_ c: CLayerContext) -> [Int] { c.layer.weights[0].decl.shape }

    func forwardProduct(_ c: CLayerContext, into z: String) -> String {
        "kiln_conv_forward(\(z), inp, w, n, &\(geometryName(c)));"
    }

    /// The call that runs this conv, the BatchNormalization reading it and the activation after
    /// that (if any) at inference, writing the last one's output: `kiln_conv_batchnorm_forward`.
    func foldedInferenceCall(_ c: CLayerContext, batchNorm: CLayerContext, activation: CLayerContext?) -> String {
        let bn = batchNorm.node.op as! BatchNormalization
        let act = activation.map { $0.node.op as! any ElementwiseActivation }
        let last = activation ?? batchNorm
        let args = [last.act(last.layer.output), c.act(c.layer.input), c.param(c.layer.weights[0]), useBias ? c.param(c.layer.weights[1]) : "NULL"]
            + bn.foldedArguments(batchNorm) + ["n", "&\(geometryName(c))", act?.activationKind.cName ?? "KILN_LINEAR", CFormat.float(act?.activationAlpha ?? 0)]
        let names = ([c, batchNorm] + (activation.map { [$0] } ?? [])).map { Identifiers.commentText($0.node.name) }
        return "kiln_conv_batchnorm_forward(\(args.joined(separator: ", ")));  // \(names.joined(separator: ", ")) in one pass, the moving statistics folded in"
    }

    /// This conv and the max pool reading it at inference, writing the pool's output: `kiln_conv_max_pool_forward`.
    func pooledInferenceCall(_ c: CLayerContext, pool: CLayerContext) -> String {
        let args = [pool.act(pool.layer.output), c.act(c.layer.input), c.param(c.layer.weights[0]), useBias ? c.param(c.layer.weights[1]) : "NULL",
                    "n", "&\(geometryName(c))", "&\(pool.name)_geometry", activation.cName, CFormat.float(alpha)]
        let names = [c, pool].map { Identifiers.commentText($0.node.name) }
        return "kiln_conv_max_pool_forward(\(args.joined(separator: ", ")));  // \(names.joined(separator: ", ")) band by band, each band pooled in cache"
    }

    func fusedForward(_ c: CLayerContext, into z: String, bias: String) -> String? {
        "kiln_conv_bias_act_forward(out, \(z), inp, w, \(bias), n, &\(geometryName(c)), \(activation.cName), \(CFormat.float(alpha)));"
    }

    func kernelGradient(_ c: CLayerContext) -> String {
        "kiln_conv_backward_kernel(dw, inp, dz, n, &\(geometryName(c)));  // dw \(CFormat.shape(kernelShape(c))) += inp (x) dz"
    }

    func fusedKernelAndBiasGradient(_ c: CLayerContext) -> String? {
        "kiln_conv_backward_kernel_bias(dw, db, inp, dz, n, &\(geometryName(c)));  // dw \(CFormat.shape(kernelShape(c))) += inp (x) dz; db (\(units)) += column sums of dz"
    }

    func inputGradient(_ c: CLayerContext) -> String {
        "kiln_conv_backward_input(dinp, dz, w, n, &\(geometryName(c)));  // dinp \(c.inShape) += dz (x) w, transposed"
    }
}
