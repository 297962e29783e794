import Foundation
import KilnCore
import KilnSpec

/// `csv: path` (Spark's `spark.read.csv`) with Spark's options and defaults: `header` (false),
/// `schema` or `inferSchema`, `sep` (,), `quote` ("), `escape` (\), `nullValue` (""), `mode`
/// (PERMISSIVE, DROPMALFORMED, FAILFAST). Without a declared schema the compiler reads the
/// named file at build time: column names from the header, types by Spark's inference.
struct CSVSource: PipelineOperation {
    static let names = ["csv"]
    static let options = ["header", "sep", "delimiter", "quote", "escape", "nullValue", "mode", "inferSchema", "schema"]

    static func build(_ context: OpContext) -> BuiltOp? {
        guard let paths = context.paths(context.argument) else { return nil }
        var options = CSVReadOptions()
        let r = context.reader
        if let header = r.bool("header") { options.header = header }
        for key in ["sep", "delimiter"] {
            guard let node = r[key] else { continue }
            guard let byte = singleByte(node, key, context) else { return nil }
            options.separator = byte
        }
        if let node = r["quote"] { guard let byte = singleByte(node, "quote", context) else { return nil }; options.quote = byte }
        if let node = r["escape"] { guard let byte = singleByte(node, "escape", context) else { return nil }; options.escape = byte }
        if let nullValue = r.string("nullValue") { options.nullValue = nullValue }
        guard let mode = context.parseMode() else { return nil }
        options.mode = mode
        let infer = r.bool("inferSchema") ?? false

        if let node = r["schema"] {
            guard let schema = context.schema(node) else { return nil }
            return BuiltOp(op: .csv(paths: paths, options: options), schema: schema, flavor: .dataFrame)
        }
        // No declared schema: read the file now, as Spark reads it at load time.
        guard let file = context.buildTimeFile(paths) else {
            return context.error("csv source '\(context.spec.name.value)' needs a schema: declare one, e.g. schema: {location: string, rating: int}, or name a file that exists at build time so Kiln can infer it (inferSchema: true)")
        }
        guard let data = FileManager.default.contents(atPath: file.path), let text = String(data: data, encoding: .utf8) else {
            return context.error("cannot read '\(file.path)' (UTF-8 text) to infer the schema of csv source '\(context.spec.name.value)'")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        if lines.last?.isEmpty == true { lines.removeLast() }
        let separator = Character(Unicode.Scalar(options.separator)), quote = Character(Unicode.Scalar(options.quote))
        let escape = Character(Unicode.Scalar(options.escape))
        guard let first = lines.first else {
            return context.error("'\(file.path)' is empty: Kiln cannot infer the schema of csv source '\(context.spec.name.value)'; declare schema:")
        }
        let firstFields = CSVInference.fields(first, separator: separator, quote: quote, escape: escape)
        let names = options.header ? headerNames(firstFields) : firstFields.indices.map { "_c\($0)" }
        let dataLines = Array(options.header ? lines.dropFirst() : lines[...])
        let types = infer ? CSVInference.inferTypes(lines: dataLines, columns: names.count, separator: separator, quote: quote,
                                                     escape: escape, nullValue: options.nullValue)
                          : [DataType](repeating: .string, count: names.count)
        options.inferred = infer
        return BuiltOp(op: .csv(paths: paths, options: options), schema: Schema(zip(names, types).map { Field($0, $1) }), flavor: .dataFrame)
    }

    /// Spark names empty header cells `_c<i>` and de-duplicates repeated names with their index.
    static func headerNames(_ cells: [String]) -> [String] {
        let lowered = cells.map { $0.lowercased() }
        return cells.enumerated().map { index, cell in
            if cell.isEmpty { return "_c\(index)" }
            return lowered.filter { $0 == cell.lowercased() }.count > 1 ? "\(cell)\(index)" : cell
        }
    }

    static func singleByte(_ node: YAMLNode, _ key: String, _ context: OpContext) -> UInt8? {
        guard let text = node.string(key, in: context.diagnostics) else { return nil }
        let unescaped = text == "\\t" ? "\t" : text
        guard unescaped.utf8.count == 1, let byte = unescaped.utf8.first else {
            context.diagnostics.error("'\(key)' must be a single ASCII character, received '\(text)'", at: node.location)
            return nil
        }
        return byte
    }

    /// Spark's defaults are left out.
    static func pyspark(_ node: PlanNode, in r: PySparkRenderer) -> String {
        guard case let .csv(list, options) = node.op else { return "" }
        var arguments = ["schema=\(r.py(r.ddl(node.schema)))", "header=\(options.header ? "True" : "False")"]
        if options.separator != 44 { arguments.append("sep=\(r.py(String(UnicodeScalar(options.separator))))") }
        if options.quote != 34 { arguments.append("quote=\(r.py(String(UnicodeScalar(options.quote))))") }
        if options.escape != 92 { arguments.append("escape=\(r.py(String(UnicodeScalar(options.escape))))") }
        if !options.nullValue.isEmpty { arguments.append("nullValue=\(r.py(options.nullValue))") }
        arguments.append("mode=\(r.py(options.mode.rawValue))")
        return "\(node.name) = spark.read.csv(\(r.paths(list)), \(arguments.joined(separator: ", ")))"
    }
}

extension PipelineSwiftRenderer {
    /// The runtime's defaults are left out.
    func csvReader(_ index: Int, _ paths: [PathArgument], _ options: CSVReadOptions) -> String {
        var arguments = ["header: \(options.header)"]
        if options.separator != 44 { arguments.append("separator: \(options.separator)") }
        if options.quote != 34 { arguments.append("quote: \(options.quote)") }
        if options.escape != 92 { arguments.append("escape: \(options.escape)") }
        if !options.nullValue.isEmpty { arguments.append("nullValue: \(Identifiers.swiftStringLiteral(options.nullValue))") }
        if options.mode != .permissive { arguments.append("mode: .\(modeCase(options.mode))") }
        return "try CSVSource(paths: \(pathList(paths)), schema: \(schemaRef(index)), options: CSVOptions(\(arguments.joined(separator: ", "))))"
    }
}
