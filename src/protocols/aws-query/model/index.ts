// AWS's own API models for the services Portcullis speaks, reduced to what the wire needs by
// scripts/extract-models.py (source: botocore's data/<service>/<version>/service-2.json,
// Apache-2.0, see NOTICE). Regenerate them with that script; never edit the JSON by hand.

import iamModel from './iam.json' with { type: 'json' };
import organizationsModel from './organizations.json' with { type: 'json' };
import stsModel from './sts.json' with { type: 'json' };

/** The services that speak the AWS Query protocol (form-encoded request, XML response). */
export type QueryService = 'iam' | 'sts';
export type ModelledService = QueryService | 'organizations';

/** A reference from a structure member, list member, map key or map value to a shape. */
export interface MemberRef {
  shape: string;
  locationName?: string;
  flattened?: boolean;
  queryName?: string;
  xmlNamespace?: unknown;
  timestampFormat?: string;
  /** REST protocols: where the member travels (querystring, header, uri); the body when absent. */
  location?: string;
}

export type ShapeType =
  | 'structure'
  | 'list'
  | 'map'
  | 'string'
  | 'integer'
  | 'long'
  | 'float'
  | 'double'
  | 'boolean'
  | 'timestamp'
  | 'blob';

export interface Shape {
  type: ShapeType;
  members?: Record<string, MemberRef>;
  required?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  flattened?: boolean;
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  locationName?: string;
  timestampFormat?: string;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
  fault?: boolean;
  sensitive?: boolean;
}

export interface Operation {
  name: string;
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
  errors?: string[];
  auth?: string[];
  authtype?: string;
  /** REST protocols: the operation's route and success status. */
  http?: { method: string; requestUri: string; responseCode?: number };
}

export interface ServiceModel {
  metadata: {
    apiVersion: string;
    protocol: string;
    xmlNamespace?: string;
    endpointPrefix?: string;
    serviceId?: string;
    targetPrefix?: string;
    jsonVersion?: string;
    [key: string]: unknown;
  };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

/** The models drive validation, so nobody gets to change them at run time. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const models: Record<ModelledService, ServiceModel> = {
  iam: deepFreeze(iamModel as unknown as ServiceModel),
  sts: deepFreeze(stsModel as unknown as ServiceModel),
  organizations: deepFreeze(organizationsModel as unknown as ServiceModel),
};

export function getModel(service: ModelledService): ServiceModel {
  return models[service];
}

/** The operation named by `name`, or undefined; never reads inherited properties. */
export function findOperation(model: ServiceModel, name: string): Operation | undefined {
  return Object.hasOwn(model.operations, name) ? model.operations[name] : undefined;
}

/** The shape named by `name`; the models are closed, so a missing shape is a bug in the model file. */
export function shapeOf(model: ServiceModel, name: string): Shape {
  const shape = Object.hasOwn(model.shapes, name) ? model.shapes[name] : undefined;
  if (shape === undefined) throw new Error(`model has no shape ${name}`);
  return shape;
}
