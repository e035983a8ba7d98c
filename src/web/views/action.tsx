import type { ComponentChildren } from 'preact';

/**
 * A form app.js sends to the JSON API with the token entered in the page (`Authorization: Bearer`):
 * hidden until a token is entered, so without one (or without JavaScript) the pages are read-only.
 * `body` is sent as is; without it, the form's named fields are (checkboxes as booleans, number
 * inputs as numbers); `upload` sends the form as multipart/form-data.
 */
export function ApiAction(props: {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
  upload?: boolean;
  confirm?: string;
  label: string;
  children?: ComponentChildren;
  class?: string;
}) {
  return (
    <form
      class={`api-action ${props.class ?? ''}`}
      data-method={props.method}
      data-path={props.path}
      data-body={props.body === undefined ? undefined : JSON.stringify(props.body)}
      data-upload={props.upload ? 'true' : undefined}
      data-confirm={props.confirm}
      hidden
    >
      {props.children}
      <button type="submit">{props.label}</button>
      <output class="action-result" aria-live="polite"></output>
    </form>
  );
}
