import { InMemoryExperiencePool } from "@lanpo/core";
import { experiencePoolContract } from "./experience-pool-contract.js";

experiencePoolContract("InMemoryExperiencePool", () => new InMemoryExperiencePool());
