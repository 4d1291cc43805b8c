// A few typed calls, compiled by ./pm test (`tsc --noEmit`) against the generated schema: if the
// document changes a path, a parameter or a field these use, this file stops compiling. Each
// expect-error directive below proves the types are strict (a wrong name must not compile).
import { createApiClient, type Problem, type Schemas } from "./client";

const api = createApiClient({ token: () => "token" });

export async function myLocationLabel(): Promise<string | null> {
  const { data, error } = await api.GET("/api/v1/me");
  if (error) return describe(error);
  const profile: Schemas["Profile"] = data;
  // @ts-expect-error the profile has no such field
  void profile.password;
  return profile.location?.label ?? null;
}

export async function signUp(email: string, password: string): Promise<string> {
  const { data, error } = await api.POST("/api/v1/auth/signup", {
    body: { email, password, first_name: "Ada", birth_date: "1990-04-12", gender: "woman", seeking_gender: "everyone" },
  });
  return error ? describe(error) : data.verification;
}

export async function firstMessages(conversationId: string): Promise<string[]> {
  const { data, error } = await api.GET("/api/v1/conversations/{conversation_id}/messages", {
    params: { path: { conversation_id: conversationId } },
  });
  if (error) return [describe(error)];
  return (data.messages ?? []).map((m) => m.content ?? "");
}

export async function likeBadly(matchId: string): Promise<void> {
  // @ts-expect-error a path the API does not have
  await api.POST("/api/v1/matches/{match_id}/superlike", { params: { path: { match_id: matchId } } });
}

function describe(problem: Problem): string {
  return `${problem.title}: ${problem.detail ?? problem.type}`;
}
