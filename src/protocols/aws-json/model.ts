// AWS's API models of the JSON-protocol services served, reduced by scripts/extract-models.py
// (source: botocore's data/<service>/<version>/service-2.json, Apache-2.0, see NOTICE).
import cloudtrailModel from './model/cloudtrail.json' with { type: 'json' };
import { getModel, type ServiceModel } from '../aws-query/model/index.ts';

export type JsonService = 'cloudtrail' | 'organizations';

const models: Record<JsonService, ServiceModel> = {
  cloudtrail: Object.freeze(cloudtrailModel as unknown as ServiceModel),
  organizations: getModel('organizations'),
};

export const JSON_SERVICES = Object.keys(models) as readonly JsonService[];

export function jsonModel(service: JsonService): ServiceModel {
  return models[service];
}
