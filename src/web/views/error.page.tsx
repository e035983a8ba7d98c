import { Layout } from './layout';

export function ErrorPage({ status, messages }: { status: number; messages: string[] }) {
  const title = status === 404 ? 'Not found' : status === 400 ? 'Bad request' : status >= 500 ? 'Unavailable' : 'Error';
  return (
    <Layout title={title} current="">
      <h1>{title}</h1>
      <div class="error" role="alert">
        <ul>
          {messages.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      </div>
      <p>
        <a href="/">Back to the timeline</a>
      </p>
    </Layout>
  );
}
