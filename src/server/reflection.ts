import { createRegistry, toBinary, type DescFile, type DescService, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** The request oneof both reflection versions share. */
type ReflectionQuery = v1.ServerReflectionRequest["messageRequest"];
/** The response oneof both versions share, as an init shape. */
type ReflectionAnswer =
  | { case: "fileDescriptorResponse"; value: { fileDescriptorProto: Uint8Array[] } }
  | { case: "allExtensionNumbersResponse"; value: { baseTypeName: string; extensionNumber: number[] } }
  | { case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

const NOT_FOUND = 5;
const INVALID_ARGUMENT = 3;

/**
 * Answers gRPC server reflection queries from the descriptors embedded in the
 * generated code, so `buf curl` and grpcurl work with no proto files at hand.
 */
export class ReflectionIndex {
  private readonly registry: Registry;
  private readonly filesByName = new Map<string, DescFile>();
  private readonly serviceNames: string[];

  constructor(services: DescService[]) {
    const add = (f: DescFile) => {
      if (this.filesByName.has(f.proto.name)) return;
      this.filesByName.set(f.proto.name, f);
      f.dependencies.forEach(add);
    };
    services.forEach((s) => add(s.file));
    this.registry = createRegistry(...this.filesByName.values());
    this.serviceNames = services.map((s) => s.typeName);
  }

  answer(query: ReflectionQuery): ReflectionAnswer {
    switch (query.case) {
      case "listServices":
        return { case: "listServicesResponse", value: { service: this.serviceNames.map((name) => ({ name })) } };
      case "fileByFilename": {
        const file = this.filesByName.get(query.value);
        return file ? this.files(file) : notFound(`file ${query.value}`);
      }
      case "fileContainingSymbol": {
        const file = this.fileOfSymbol(query.value);
        return file ? this.files(file) : notFound(`symbol ${query.value}`);
      }
      case "fileContainingExtension": {
        const extendee = this.registry.getMessage(query.value.containingType);
        const ext = extendee && this.registry.getExtensionFor(extendee, query.value.extensionNumber);
        return ext ? this.files(ext.file) : notFound(`extension ${query.value.extensionNumber} of ${query.value.containingType}`);
      }
      case "allExtensionNumbersOfType": {
        const base = query.value;
        const numbers: number[] = [];
        for (const t of this.registry) {
          if (t.kind === "extension" && t.extendee.typeName === base) numbers.push(t.number);
        }
        return this.registry.getMessage(base)
          ? { case: "allExtensionNumbersResponse", value: { baseTypeName: base, extensionNumber: numbers } }
          : notFound(`type ${base}`);
      }
      default:
        return { case: "errorResponse", value: { errorCode: INVALID_ARGUMENT, errorMessage: "empty reflection request" } };
    }
  }

  /** `pkg.Service.Method` and `pkg.Message.field` resolve to the file of their parent. */
  private fileOfSymbol(name: string): DescFile | undefined {
    const desc = this.registry.get(name) ?? this.registry.get(name.slice(0, Math.max(0, name.lastIndexOf("."))));
    return desc?.file;
  }

  /** The file first, then everything it imports, transitively. */
  private files(file: DescFile): ReflectionAnswer {
    const ordered: DescFile[] = [];
    const visit = (f: DescFile) => {
      if (ordered.includes(f)) return;
      f.dependencies.forEach(visit);
      ordered.push(f);
    };
    visit(file);
    return {
      case: "fileDescriptorResponse",
      value: { fileDescriptorProto: ordered.reverse().map((f) => toBinary(FileDescriptorProtoSchema, f.proto)) },
    };
  }
}

function notFound(what: string): ReflectionAnswer {
  return { case: "errorResponse", value: { errorCode: NOT_FOUND, errorMessage: `${what} not found` } };
}

/** Mounts reflection v1 and v1alpha (older grpcurl and buf versions ask for it). */
export function reflectionRoutes(index: ReflectionIndex) {
  return (router: ConnectRouter) => {
    router.service(v1.ServerReflection, {
      async *serverReflectionInfo(requests) {
        for await (const req of requests) {
          yield { validHost: req.host, originalRequest: req, messageResponse: index.answer(req.messageRequest) };
        }
      },
    });
    router.service(v1alpha.ServerReflection, {
      async *serverReflectionInfo(requests) {
        for await (const req of requests) {
          const answer = index.answer(req.messageRequest as ReflectionQuery);
          yield { validHost: req.host, originalRequest: req, messageResponse: answer };
        }
      },
    });
  };
}
