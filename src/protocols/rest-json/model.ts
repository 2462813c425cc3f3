// AWS's API models of the REST-JSON services served, reduced by scripts/extract-models.py (source:
// botocore's data/<service>/<version>/service-2.json, Apache-2.0, see NOTICE): IAM Access
// Analyzer's ValidatePolicy.
import accessAnalyzerModel from './model/accessanalyzer.json' with { type: 'json' };
import type { Operation, ServiceModel } from '../aws-query/model/index.ts';

export type RestJsonService = 'access-analyzer';

const models: Record<RestJsonService, ServiceModel> = {
  'access-analyzer': Object.freeze(accessAnalyzerModel as unknown as ServiceModel),
};

export const REST_JSON_SERVICES = Object.keys(models) as readonly RestJsonService[];

export function restJsonModel(service: RestJsonService): ServiceModel {
  return models[service];
}

export interface Route {
  readonly service: RestJsonService;
  readonly name: string;
  readonly operation: Operation;
}

/** The served operation a method and path name: the models' routes have no path labels yet, so paths match whole. */
export function routeOf(method: string, path: string): Route | undefined {
  for (const service of REST_JSON_SERVICES) {
    for (const [name, operation] of Object.entries(models[service].operations)) {
      if (operation.http?.method === method && operation.http.requestUri === path)
        return { service, name, operation };
    }
  }
  return undefined;
}
