import { describe, expect, it } from 'vitest';
import { InvalidConfigError, loadConfig } from '../../../infra/config';
import { CampaignSchema } from '../../../lib/domain/campaigns/campaign';
import { templateProblems } from '../../../lib/domain/campaigns/templates';

// Campaigns as code: what ships, the defaults a marketer gets, and templates that fail at config
// load (synth, npm start) rather than at send time.

const config = (overrides: Record<string, unknown> = {}) =>
  loadConfig((key) => overrides[key], '/nonexistent');

const campaign = (extra: Record<string, unknown> = {}) => ({
  id: 'spring',
  name: 'Spring sale',
  trigger: { type: 'birthday' },
  templates: {
    en: { email: { subject: 'Hi {{ customer.firstName }}', html: '<p>Hi</p>', text: 'Hi' } },
  },
  ...extra,
});

describe('the shipped campaigns', () => {
  it('are birthday, repurchase, welcome, win-back and the post-purchase survey, all enabled', () => {
    const { campaigns } = config();
    expect(campaigns.map((c) => [c.id, c.trigger.type, c.enabled])).toEqual([
      ['birthday', 'birthday', true],
      ['repurchase', 'next-order', true],
      ['welcome', 'email-confirmed', true],
      ['win-back', 'segment-entered', true],
      ['survey', 'after-order', true],
    ]);
  });

  it('send between 09:00 and 11:00 local time, hold out 10% and attribute orders for 7 days by default', () => {
    const parsed = CampaignSchema.parse(campaign());
    expect(parsed).toMatchObject({
      enabled: true,
      channel: 'email',
      sendWindow: { start: '09:00', end: '11:00' },
      holdoutPercent: 10,
      attributionDays: 7,
    });
  });

  it('cap marketing messages at 2 per 7 days and keep SMS within 09:00-20:00 by default', () => {
    expect(config().campaignSettings).toMatchObject({
      frequencyCap: { messages: 2, days: 7 },
      smsQuietHours: { start: '09:00', end: '20:00' },
    });
  });
});

describe('an invalid campaign fails the config load naming the field', () => {
  const fails = (campaigns: unknown[]) => () => config({ campaigns: JSON.stringify(campaigns) });

  it.each([
    [
      'a template field that does not exist',
      campaign({
        templates: {
          en: { email: { subject: 'Hi {{ customer.fristName }}', html: '<p>Hi</p>', text: 'Hi' } },
        },
      }),
      'campaigns.0.templates.en.email.subject: unknown field customer.fristName',
    ],
    [
      'a nested field of an offer that does not exist',
      campaign({
        templates: {
          en: { email: { subject: 'Hi', html: '{% if offer %}{{ offer.percent }}{% endif %}', text: 'Hi' } },
        },
      }),
      'campaigns.0.templates.en.email.html: unknown field offer.percent',
    ],
    [
      'a template that does not parse',
      campaign({ templates: { en: { email: { subject: 'Hi {{', html: 'x', text: 'x' } } } }),
      'campaigns.0.templates.en.email.subject: does not parse',
    ],
    [
      'email-then-sms without an SMS template',
      campaign({ channel: 'email-then-sms' }),
      'campaigns.0.templates.en.sms: channel email-then-sms needs an sms template',
    ],
    [
      'a send window that ends before it starts',
      campaign({ sendWindow: { start: '11:00', end: '09:00' } }),
      'campaigns.0.sendWindow.end',
    ],
    ['a holdout over 50%', campaign({ holdoutPercent: 60 }), 'campaigns.0.holdoutPercent'],
    ['an unknown trigger', campaign({ trigger: { type: 'full-moon' } }), 'campaigns.0.trigger.type'],
    [
      'an audience rule with a bad operator',
      campaign({ audience: { field: 'interests', op: 'like', value: 'x' } }),
      'campaigns.0.audience',
    ],
  ])('%s', (_name, bad, message) => {
    expect(fails([bad])).toThrow(InvalidConfigError);
    expect(fails([bad])).toThrow(message);
  });

  it('two campaigns with one id', () => {
    expect(fails([campaign(), campaign()])).toThrow('campaigns.1.id: duplicate campaign id "spring"');
  });
});

describe('template validation', () => {
  it('accepts every field of the template context, loops and filters', () => {
    expect(
      templateProblems(
        '{{ customer.firstName | upcase }} {{ customer.lastName }} {{ campaign.name }} {{ occasion.date }} ' +
          '{% if offer %}{{ offer.code }} {{ offer.description }}{% endif %} {{ product.sku }} ' +
          '{{ product.category }} {{ brand.name }} {{ unsubscribeUrl }} {% assign n = customer.firstName %}{{ n }}',
      ),
    ).toEqual([]);
  });

  it('names every unknown field once', () => {
    expect(templateProblems('{{ customer.email }} {{ customer.email }} {{ password }}')).toEqual([
      'unknown field customer.email',
      'unknown field password',
    ]);
  });

  it('rejects unknown filters', () => {
    expect(templateProblems('{{ customer.firstName | shout }}')[0]).toMatch(/does not parse/);
  });
});
