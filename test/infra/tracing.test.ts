import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { POWERTOOLS_VERSION } from '../../infra/constructs/precis-function';
import { synthStacks } from './support';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> };

let templates: Template[];
beforeAll(() => {
  const { api, messaging } = synthStacks();
  templates = [api, messaging];
});

const functionsOf = (template: Template): [string, Resource][] =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['precis:entry'],
  );

describe('X-Ray tracing (Powertools Tracer)', () => {
  it('traces every function actively, with the Powertools layer of the version the code is built with', () => {
    let count = 0;
    for (const template of templates) {
      const parameters = template.findParameters('*', {
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`,
      });
      const [layerParameter] = Object.keys(parameters);
      expect(layerParameter).toBeDefined();
      for (const [, fn] of functionsOf(template)) {
        count++;
        expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
        expect(fn.Properties.Layers).toEqual([{ Ref: layerParameter }]);
      }
    }
    expect(count).toBeGreaterThanOrEqual(19);
    expect(POWERTOOLS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lets each role write its traces and nothing more on the wildcard', () => {
    for (const template of templates) {
      for (const [, fn] of functionsOf(template)) {
        const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        const role = template.toJSON().Resources[roleId] as Resource;
        const policies = role.Properties.Policies as { PolicyName: string; PolicyDocument: unknown }[];
        expect(policies.find((p) => p.PolicyName === 'tracing')?.PolicyDocument).toEqual({
          Statement: [
            {
              Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
              Effect: 'Allow',
              Resource: '*',
            },
          ],
          Version: '2012-10-17',
        });
        // No second copy of the X-Ray grant in a default policy (`tracing: ACTIVE` would add one).
        const attached = template.findResources('AWS::IAM::Policy', {
          Properties: {
            Roles: [{ Ref: roleId }],
            PolicyDocument: {
              Statement: Match.arrayWith([
                Match.objectLike({ Action: Match.arrayWith(['xray:PutTraceSegments']) }),
              ]),
            },
          },
        });
        expect(Object.keys(attached)).toEqual([]);
      }
    }
  });
});
