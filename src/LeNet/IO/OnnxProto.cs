namespace LeNet.IO;

/// <summary>
/// Field numbers and enum values of the ONNX messages the exporter writes, from <c>onnx/onnx.proto</c>
/// (stable since IR version 3), and those the importer reads. Fields are written in ascending number order,
/// as protobuf serializers do.
/// </summary>
internal static class OnnxProto
{
    // ModelProto
    public const int ModelIrVersion = 1;
    public const int ModelProducerName = 2;
    public const int ModelProducerVersion = 3;
    public const int ModelGraph = 7;
    public const int ModelOpsetImport = 8;

    // OperatorSetIdProto (domain = 1 is left out by the exporter: absent means the default ONNX domain)
    public const int OpsetIdDomain = 1;
    public const int OpsetIdVersion = 2;

    // GraphProto
    public const int GraphNode = 1;
    public const int GraphName = 2;
    public const int GraphInitializer = 5;
    public const int GraphInput = 11;
    public const int GraphOutput = 12;
    public const int GraphValueInfo = 13;

    // NodeProto
    public const int NodeInput = 1;
    public const int NodeOutput = 2;
    public const int NodeName = 3;
    public const int NodeOpType = 4;
    public const int NodeAttribute = 5;
    public const int NodeDomain = 7;

    // AttributeProto and its AttributeType enum
    public const int AttributeName = 1;
    public const int AttributeFloat = 2;
    public const int AttributeInt = 3;
    public const int AttributeString = 4;
    public const int AttributeTensor = 5;
    public const int AttributeFloats = 7;
    public const int AttributeInts = 8;
    public const int AttributeType = 20;
    public const int AttributeTypeFloat = 1;
    public const int AttributeTypeInt = 2;
    public const int AttributeTypeString = 3;
    public const int AttributeTypeTensor = 4;
    public const int AttributeTypeFloats = 6;
    public const int AttributeTypeInts = 7;

    // TensorProto and its DataType enum
    public const int TensorDims = 1;
    public const int TensorDataType = 2;
    public const int TensorFloatData = 4;
    public const int TensorInt32Data = 5;
    public const int TensorInt64Data = 7;
    public const int TensorName = 8;
    public const int TensorRawData = 9;
    public const int TensorDoubleData = 10;
    public const int TensorExternalData = 13;
    public const int TensorDataLocation = 14;
    public const int DataTypeFloat = 1;
    public const int DataTypeInt32 = 6;
    public const int DataTypeInt64 = 7;
    public const int DataTypeBool = 9;
    public const int DataTypeFloat16 = 10;
    public const int DataTypeDouble = 11;
    public const int DataLocationExternal = 1;

    // StringStringEntryProto (TensorProto.external_data: location, offset, length, checksum)
    public const int EntryKey = 1;
    public const int EntryValue = 2;

    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    public const int ValueInfoName = 1;
    public const int ValueInfoType = 2;
    public const int TypeTensorType = 1;
    public const int TensorTypeElemType = 1;
    public const int TensorTypeShape = 2;
    public const int ShapeDim = 1;
    public const int DimensionValue = 1;
    public const int DimensionParam = 2;
}
