import { escapeHtml } from '../../lib/domain/html';
import { MAX_COMMENT_CHARS } from '../../lib/domain/survey';
import { SURVEY_PATH, SURVEY_SCORES } from '../../lib/domain/survey-links';
import type { FieldError } from '../../lib/domain/validation';

// The post-purchase survey's form (GET /survey?token=…): the scores as radio buttons with the one the
// person clicked in the email already chosen, a comment box and one button, posted to POST /survey
// with the signed token in a hidden field. Opening it records nothing (link scanners open links);
// sending it does. Plain HTML, every value escaped, errors next to their field.

export const SURVEY_TITLE = 'How happy are you with your order?';
export const SURVEY_THANKS_TITLE = 'Thank you for your answer';
export const SURVEY_ANSWERED_TITLE = 'You have already answered';

const LABELS: Record<number, string> = { 1: 'not happy at all', 5: 'delighted' };

export interface SurveyFormView {
  token: string;
  /** The score chosen: the link's, or what was posted when the form came back with errors. */
  score?: number | undefined;
  comment?: string | undefined;
  errors?: readonly FieldError[];
}

export function surveyForm(view: SurveyFormView): string {
  const errors = view.errors ?? [];
  const errorOf = (path: string) => errors.find((e) => e.path === path)?.message;
  const scoreError = errorOf('score');
  const commentError = errorOf('comment');
  const other = errors.filter((e) => e.path !== 'score' && e.path !== 'comment');
  const alert = (id: string, message: string | undefined) =>
    message ? `<strong id="${id}" style="color:#b00">${escapeHtml(message)}</strong><br>` : '';
  const radios = SURVEY_SCORES.map((score) => {
    const label = LABELS[score] ? `${score} (${LABELS[score]})` : String(score);
    return (
      `<label style="margin-right:1em"><input type="radio" name="score" value="${score}"` +
      `${score === view.score ? ' checked' : ''} required> ${escapeHtml(label)}</label>`
    );
  }).join('');
  return (
    (other.length > 0
      ? `<p role="alert"><strong style="color:#b00">${other.map((e) => escapeHtml(e.message)).join(' ')}</strong></p>`
      : '') +
    `<form method="post" action="${SURVEY_PATH}">` +
    `<input type="hidden" name="token" value="${escapeHtml(view.token)}">` +
    `<fieldset${scoreError ? ' aria-describedby="score-error"' : ''}><legend>Your score, from 1 to 5</legend>` +
    `${alert('score-error', scoreError)}${radios}</fieldset>` +
    '<p><label for="comment">Anything you would like to tell us? (optional)</label><br>' +
    alert('comment-error', commentError) +
    `<textarea id="comment" name="comment" rows="5" cols="40" maxlength="${MAX_COMMENT_CHARS}"` +
    (commentError ? ' aria-invalid="true" aria-describedby="comment-error"' : '') +
    `>${escapeHtml(view.comment ?? '')}</textarea></p>` +
    '<p><button type="submit">Send my answer</button></p></form>'
  );
}
