@_exported import CKilnRuntime
@_exported import KilnCore

/// Generated code conforms a private type to this protocol; a runtime that drops version 1
/// makes every older generated file fail to compile (the swift-protobuf approach).
public protocol KilnRuntimeVersion1 {}
public let kilnRuntimeVersion = "0.1.0"

/// C entry points of one generated model (see the generated header for their contracts).
public struct ModelKernels: @unchecked Sendable {
    public typealias State = UnsafeMutablePointer<kiln_state>?
    /// forward(state, x (n, input), n, training): output lands at acts + outputOffset
    public var forward: @convention(c) (State, UnsafePointer<Float>?, Int32, Int32) -> Void
    /// loss(state, y (n, output), n) after forward: data loss + regularization, no gradients
    public var loss: @convention(c) (State, UnsafePointer<Float>?, Int32) -> Float
    /// gradients(state, x, y, n): forward (training), grads overwritten with dLoss/dparams; returns loss
    public var gradients: @convention(c) (State, UnsafePointer<Float>?, UnsafePointer<Float>?, Int32) -> Float
    /// trainStep(state, x, y, n): gradients then one optimizer update; returns loss
    public var trainStep: @convention(c) (State, UnsafePointer<Float>?, UnsafePointer<Float>?, Int32) -> Float
    public init(forward: @escaping @convention(c) (State, UnsafePointer<Float>?, Int32, Int32) -> Void,
                loss: @escaping @convention(c) (State, UnsafePointer<Float>?, Int32) -> Float,
                gradients: @escaping @convention(c) (State, UnsafePointer<Float>?, UnsafePointer<Float>?, Int32) -> Float,
                trainStep: @escaping @convention(c) (State, UnsafePointer<Float>?, UnsafePointer<Float>?, Int32) -> Float) {
        self.forward = forward; self.loss = loss; self.gradients = gradients; self.trainStep = trainStep
    }
}
